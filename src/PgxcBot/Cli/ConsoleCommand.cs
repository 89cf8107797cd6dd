using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Chat;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot console</c>: a REPL over the chat commands. Reads lines until exit, quit or end of
/// input; without a terminal (stdin redirected) it prints no banner or prompt, so it can be scripted.</summary>
internal static class ConsoleCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, CliIo io, CancellationToken cancellationToken)
    {
        var handler = services.GetRequiredService<ChatCommandHandler>();
        var interactive = !io.InputRedirected;
        if (interactive)
            await io.Out.WriteLineAsync($"PgxcBot console. Type {CommandCatalogue.Prefix} help for the commands, exit to leave.");
        while (true)
        {
            if (interactive)
            {
                await io.Out.WriteAsync("pgxc> ");
                await io.Out.FlushAsync(cancellationToken);
            }
            var line = await io.In.ReadLineAsync(cancellationToken);
            if (line is null) break;
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line is "exit" or "quit") break;
            var message = await handler.HandleLineAsync(line, cancellationToken);
            await io.Out.WriteAsync(PlainTextRenderer.Render(message));
            await io.Out.FlushAsync(cancellationToken);
        }
        return ExitCodes.Ok;
    }
}
