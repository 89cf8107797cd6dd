using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Ssh;

/// <summary>
/// The lab transport: runs the command on this machine with /bin/sh, as <see cref="Host.User"/>. When we
/// are root and the user differs, it goes through runuser (PostgreSQL refuses to run as root); as any
/// other user, the host's user must be our own.
/// </summary>
public sealed class LocalShell(ILogger<LocalShell> logger) : IRemoteShell
{
    public async Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var self = Environment.UserName;
        if (string.Equals(host.User, self, StringComparison.Ordinal))
        {
            start.FileName = "/bin/sh";
        }
        else if (self == "root")
        {
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", host.User, "--", "/bin/sh" }) start.ArgumentList.Add(a);
        }
        else
        {
            throw new RemoteExecutionException(host.Name, RemoteFailure.AuthenticationFailed,
                $"{host.Name}: the local transport runs commands as {host.User}, but the bot runs as {self} and is not root. " +
                $"Set hosts[name={host.Name}].user to {self}, or run the bot as root.");
        }
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command.Text);
        // A neutral working directory: the user may not be allowed into ours.
        start.WorkingDirectory = "/";

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)
            ?? throw new RemoteExecutionException(host.Name, RemoteFailure.Unreachable, $"{host.Name}: cannot start /bin/sh");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested) throw;
            throw new RemoteExecutionException(host.Name, RemoteFailure.Timeout,
                $"{host.Name}: the command did not finish within {timeout.TotalSeconds:0.#} s and was killed: {command.Text}");
        }

        var result = new CommandResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), stopwatch.Elapsed);
        logger.LogDebug("local {Host}: exit {ExitCode} in {ElapsedMs} ms: {Command}",
            host.Name, result.ExitCode, (long)result.Elapsed.TotalMilliseconds, command.Text);
        return result;
    }
}
