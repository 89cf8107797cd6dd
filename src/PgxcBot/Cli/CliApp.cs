using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Text;
using PgxcBot.Hosting;

namespace PgxcBot.Cli;

/// <summary>
/// The CLI entry point, callable in-process: arguments and streams in, exit code out
/// (<see cref="ExitCodes"/>). Program.cs only hands it the real console.
/// </summary>
public static class CliApp
{
    private static readonly string[] Commands = ["check-config", "status", "console", "run", "timeline", "lab", "diagram", "serve", "register-commands"];

    /// <param name="overrides">Applied after the normal registrations, e.g. tests replacing the status source.</param>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        CliIo io,
        Action<IServiceCollection>? overrides = null,
        CancellationToken cancellationToken = default)
    {
        var (arguments, error) = CliArguments.Parse(args);
        // status is a Nagios check: whatever keeps it from running is UNKNOWN (3), never "CRITICAL" (2).
        var isStatus = args.FirstOrDefault(a => !a.StartsWith('-')) == "status";
        if (arguments is null)
        {
            await io.Error.WriteLineAsync($"error: {error}");
            await io.Error.WriteLineAsync(Usage.Text);
            return isStatus ? NagiosCodes.Unknown : ExitCodes.BadConfig;
        }
        if (arguments.Help)
        {
            await io.Out.WriteLineAsync(Usage.Text);
            return ExitCodes.Ok;
        }
        try
        {
            return arguments.Command switch
            {
                "check-config" => await CheckConfigCommand.RunAsync(arguments, io, cancellationToken),
                "status" => await StatusAsync(arguments, io, overrides, cancellationToken),
                "console" => await CliHost.RunAsync(BotCommand.Console, arguments, io, overrides,
                    (services, ct) => ConsoleCommand.RunAsync(services, arguments, io, ct), cancellationToken),
                "lab" => await LabCommand.RunAsync(arguments, io, cancellationToken),
                "diagram" => await DiagramAsync(arguments, io),
                "run" => await CliHost.RunAsync(BotCommand.Run, arguments, io, overrides,
                    (services, ct) => ConsoleCommand.RunOneAsync(services, arguments, io, ct), cancellationToken),
                "timeline" => await CliHost.RunAsync(BotCommand.Timeline, arguments, io, overrides,
                    (services, ct) => TimelineCliCommand.RunAsync(services, arguments, io, ct), cancellationToken),
                "serve" => await ServeCommands.ServeAsync(arguments, io, overrides, cancellationToken),
                "register-commands" => await ServeCommands.RegisterCommandsAsync(arguments, io, overrides, cancellationToken),
                _ => await UnknownCommandAsync(arguments.Command, io),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A signal (Ctrl+C, SIGTERM, SIGHUP) in the middle of a command; everything was stopped on the way out.
            await io.Error.WriteLineAsync("interrupted; stopped.");
            return ExitCodes.Interrupted;
        }
        catch (Exception e)
        {
            await io.Error.WriteLineAsync($"error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Unexpected;
        }
    }

    /// <summary>Runs status; the Nagios code it gives, or UNKNOWN when it never got to give one (bad config, store).</summary>
    private static async Task<int> StatusAsync(CliArguments arguments, CliIo io, Action<IServiceCollection>? overrides, CancellationToken cancellationToken)
    {
        int? verdict = null;
        await CliHost.RunAsync(BotCommand.Status, arguments, io, overrides, async (services, ct) =>
        {
            verdict = await StatusCliCommand.RunAsync(services, arguments, io, ct);
            return verdict.Value;
        }, cancellationToken, withoutHost: async (topology, ct) => verdict = await RunningBotStatus.TryAsync(topology, arguments, io, ct));
        return verdict ?? NagiosCodes.Unknown;
    }

    /// <summary>The pair state machine as Mermaid, generated from the transition table (the README embeds it);
    /// with --reasons each edge carries the sentence the transition logs.</summary>
    private static async Task<int> DiagramAsync(CliArguments arguments, CliIo io)
    {
        await io.Out.WriteLineAsync(arguments.Reasons ? Core.Pairs.PairReasonsDiagram.ToMermaid() : Core.Pairs.PairStateMachine.ToMermaid());
        return ExitCodes.Ok;
    }

    private static async Task<int> UnknownCommandAsync(string? command, CliIo io)
    {
        if (command is null)
        {
            await io.Error.WriteLineAsync("error: no command given.");
        }
        else
        {
            var near = Suggestions.Closest(command, Commands);
            await io.Error.WriteLineAsync($"error: unknown command '{command}'{(near is null ? "." : $"; did you mean {near}?")} Valid: {string.Join(", ", Commands)}.");
        }
        await io.Error.WriteLineAsync(Usage.Text);
        return ExitCodes.BadConfig;
    }
}
