using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Outbox;

public static class OutboxServiceCollectionExtensions
{
    /// <summary>
    /// Registers the senders of the chat outbox (one per registered <see cref="IOutboxChannel"/>, run as a hosted
    /// service) and this process's terminal as a target: its channel, and a route that prints the step lines of the
    /// operations this process changes (alerts too when <paramref name="alerts"/>). Needs AddPgxcBotCore and AddPgxcBotStore.
    /// </summary>
    public static IServiceCollection AddPgxcBotConsoleOutbox(this IServiceCollection services, TextWriter writer, bool alerts = false)
    {
        services.TryAddSingleton(p => ConsoleTarget.For(p.GetRequiredService<OperationRuns>().RunnerId));
        services.AddSingleton<IOutboxChannel>(p => new ConsoleOutboxChannel(writer, p.GetRequiredService<ConsoleTarget>()));
        services.AddSingleton(p => new OutboxRoute(p.GetRequiredService<ConsoleTarget>().Name, ProgressStyle.Lines, alerts));
        return services.AddPgxcBotOutboxSenders();
    }

    /// <summary>Runs a sender for each registered <see cref="IOutboxChannel"/>; safe to call more than once.</summary>
    public static IServiceCollection AddPgxcBotOutboxSenders(this IServiceCollection services)
    {
        services.TryAddSingleton(new OutboxSenderOptions());
        if (services.Any(d => d.ServiceType == typeof(OutboxSenderService))) return services;
        services.AddSingleton<OutboxSenderService>();
        services.AddHostedService(p => p.GetRequiredService<OutboxSenderService>());
        return services;
    }
}
