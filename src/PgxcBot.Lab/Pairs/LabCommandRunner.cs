using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Lab.Pairs;

/// <summary>The outcome of one finished command.</summary>
public sealed record LabCommandResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>A lab command failed; the message has the command line, exit code and its stderr.</summary>
public sealed class LabCommandException(string message) : Exception(message);

/// <summary>
/// Runs the server programs of the lab. PostgreSQL refuses to run as root, so when this process is root
/// every command runs as <see cref="OsUser"/> through <c>runuser</c>; otherwise commands run directly as
/// the current user.
/// </summary>
public sealed class LabCommandRunner(string? osUser, ILogger logger)
{
    /// <summary>The unprivileged user commands run as, or null when they run as the current user.</summary>
    public string? OsUser { get; } = osUser;

    /// <summary>Runs <paramref name="program"/> (as <see cref="OsUser"/> when set) in
    /// <paramref name="workingDirectory"/>, which must be readable by that user. Throws
    /// <see cref="LabCommandException"/> on a non-zero exit code unless <paramref name="allowFailure"/>.</summary>
    public Task<LabCommandResult> RunAsync(
        string program, IReadOnlyList<string> arguments, string workingDirectory,
        CancellationToken cancellationToken, bool allowFailure = false)
    {
        if (OsUser is null) return RunRawAsync(program, arguments, workingDirectory, allowFailure, cancellationToken);
        var wrapped = new List<string> { "-u", OsUser, "--", program };
        wrapped.AddRange(arguments);
        return RunRawAsync("runuser", wrapped, workingDirectory, allowFailure, cancellationToken);
    }

    /// <summary>Runs a command as the current user (e.g. root's <c>useradd</c> or <c>chown</c>).</summary>
    public async Task<LabCommandResult> RunRawAsync(
        string program, IReadOnlyList<string> arguments, string workingDirectory, bool allowFailure,
        CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // A predictable locale keeps messages parseable and initdb from depending on the caller's.
        info.Environment["LC_ALL"] = "C.UTF-8";
        info.Environment["LANG"] = "C.UTF-8";

        var commandLine = program + " " + string.Join(' ', arguments);
        logger.LogDebug("Lab command: {CommandLine}", commandLine);
        var started = Stopwatch.GetTimestamp();

        using var process = Process.Start(info)
            ?? throw new LabCommandException($"Could not start `{commandLine}`.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }

        var result = new LabCommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        logger.LogDebug("Lab command exited {ExitCode} after {ElapsedMs} ms: {CommandLine}",
            result.ExitCode, (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds, commandLine);
        if (result.ExitCode != 0 && !allowFailure)
            throw new LabCommandException(Describe(commandLine, result));
        return result;
    }

    internal static string Describe(string commandLine, LabCommandResult result)
    {
        var text = new StringBuilder($"`{commandLine}` exited with {result.ExitCode}.");
        var detail = (result.StandardError.Trim() + "\n" + result.StandardOutput.Trim()).Trim();
        if (detail.Length > 0) text.Append(' ').Append(detail.Length > 2000 ? detail[..2000] + "..." : detail);
        return text.ToString();
    }
}
