using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Chat;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Cli;

/// <summary>
/// <c>pgxcbot console</c>: a REPL over the chat commands, and <c>pgxcbot run "/pgxc ..."</c> for one. Each
/// line speaks for the <c>--as</c> user (default: the OS user) unless it starts with <c>/pgxc as USER</c>,
/// which is how a lab plays two people (one requests, the other approves). Without a terminal (stdin
/// redirected) it prints no banner or prompt, so it can be scripted.
/// </summary>
internal static class ConsoleCommand
{
    /// <param name="local">Lines this console answers itself (the lab's drills); null for a line meant for the bot.</param>
    public static async Task<int> RunAsync(IServiceProvider services, CliArguments arguments, CliIo io, CancellationToken cancellationToken,
        Func<string, CancellationToken, Task<ChatMessage?>>? local = null)
    {
        var handler = services.GetRequiredService<ChatCommandHandler>();
        var defaultActor = Actor.Console(arguments.As ?? Environment.UserName);
        var interactive = !io.InputRedirected;
        if (interactive)
            await io.Out.WriteLineAsync($"PgxcBot console, speaking as {defaultActor.Id}. Type {CommandCatalogue.Prefix} help for the commands, exit to leave.");
        while (true)
        {
            if (interactive)
            {
                await io.Out.WriteAsync("pgxc> ");
                await io.Out.FlushAsync(cancellationToken);
            }
            string? line;
            try
            {
                line = await io.ReadLineAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C, SIGTERM or a closed terminal while waiting for a line: a clean end, not an error.
                await io.Error.WriteLineAsync("console: interrupted; stopping.");
                return ExitCodes.Interrupted;
            }
            if (line is null) break;
            line = line.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line is "exit" or "quit") break;
            var (actor, command) = SpeakingAs(line, defaultActor);
            if (!interactive) await io.Out.WriteLineAsync($"{actor.Id}> {command}");
            var message = (local is null ? null : await local(command, cancellationToken))
                          ?? await handler.HandleLineAsync(command, actor, cancellationToken);
            // The step lines come through the outbox; print what is still queued before the answer.
            await FlushAsync(services, cancellationToken);
            await io.Out.WriteAsync(await RenderAsync(message, cancellationToken));
            await io.Out.FlushAsync(cancellationToken);
        }
        return ExitCodes.Ok;
    }

    /// <summary>One command; exit 0 unless the answer is a warning or worse (a refusal, a failed step).</summary>
    public static async Task<int> RunOneAsync(IServiceProvider services, CliArguments arguments, CliIo io, CancellationToken cancellationToken)
    {
        var handler = services.GetRequiredService<ChatCommandHandler>();
        var (actor, command) = SpeakingAs(arguments.Line!, Actor.Console(arguments.As ?? Environment.UserName));
        var message = await handler.HandleLineAsync(command, actor, cancellationToken);
        await FlushAsync(services, cancellationToken);
        await io.Out.WriteAsync(await RenderAsync(message, cancellationToken));
        return message.Severity >= Severity.Warning ? ExitCodes.Unhealthy : ExitCodes.Ok;
    }

    /// <summary>The answer as text; its pictures (a terminal shows none) written as files, their paths printed.</summary>
    private static async Task<string> RenderAsync(PgxcBot.Core.Messages.ChatMessage message, CancellationToken cancellationToken)
    {
        var text = PlainTextRenderer.Render(message);
        foreach (var line in await Pictures.PictureFiles.SaveAsync(message, Pictures.PictureFiles.DefaultDirectory, cancellationToken))
            text += line + Environment.NewLine;
        return text;
    }

    /// <summary>Prints what this terminal's outbox still holds (step lines of the command just answered).</summary>
    private static async Task FlushAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var target = services.GetService<Outbox.ConsoleTarget>();
        if (target is not null && services.GetService<Outbox.OutboxSenderService>()?.For(target.Name) is { } sender)
            await sender.FlushAsync(cancellationToken);
    }

    /// <summary>"/pgxc as bob approve 3" → bob, "/pgxc approve 3".</summary>
    internal static (Actor Actor, string Command) SpeakingAs(string line, Actor fallback)
    {
        var words = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        var offset = words.Length > 0 && words[0] is CommandCatalogue.Prefix or "pgxc" ? 1 : 0;
        if (words.Length >= offset + 3 && words[offset] == "as")
        {
            var rest = string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(offset + 2));
            return (Actor.Console(words[offset + 1]), $"{CommandCatalogue.Prefix} {rest}");
        }
        return (fallback, line);
    }
}
