using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Monitoring;

namespace PgxcBot.Cli;

/// <summary>Whether <c>pgxcbot console</c> runs the monitor beside the REPL (so a lab sees alerts as they
/// happen): yes when interactive, no when scripted, unless --monitor / --no-monitor says otherwise.</summary>
internal static class ConsoleMonitor
{
    public static Action<IServiceCollection>? With(CliArguments arguments, CliIo io, Action<IServiceCollection>? overrides)
    {
        if (!(arguments.Monitor ?? !io.InputRedirected)) return overrides;
        return services =>
        {
            services.AddSingleton(p => new Core.Outbox.OutboxRoute(p.GetRequiredService<Outbox.ConsoleTarget>().Name, Core.Outbox.ProgressStyle.None, Alerts: true));
            services.AddPgxcBotMonitor();
            overrides?.Invoke(services);
        };
    }
}
