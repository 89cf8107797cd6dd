using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace PgxcBot.Ssh;

/// <summary>
/// Runs commands over SSH with SSH.NET: one connection per host, reused across commands and opened again
/// after a drop. Host keys are pinned: a host whose key does not match <see cref="Host.HostKeyFingerprint"/>
/// is refused, and the error shows the offered fingerprint so an operator can verify and pin it.
/// A command is never re-sent after a connection drop: whether a step may be re-run is the runbook's call.
/// Opening a connection (TCP, SSH handshake and login together) is bounded by <c>connectTimeout</c>
/// (monitor.connectTimeoutSeconds), so a black-holed host costs that long and no more.
/// </summary>
public sealed class SshRemoteShell(ISecretResolver secrets, TimeSpan connectTimeout, ILogger<SshRemoteShell> logger)
    : IRemoteShell, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, HostConnection> _connections = new(StringComparer.Ordinal);

    /// <summary>How long opening a connection (TCP, handshake, login) may take in all.</summary>
    public TimeSpan ConnectTimeout => connectTimeout;

    public async Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = _connections.GetOrAdd(host.Name, _ => new HostConnection());
        var client = await connection.GetClientAsync(() => ConnectAsync(host, cancellationToken), cancellationToken).ConfigureAwait(false);

        var stopwatch = Stopwatch.StartNew();
        using var sshCommand = client.CreateCommand(command.Text);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await sshCommand.ExecuteAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteExecutionException(host.Name, RemoteFailure.Timeout,
                $"{host.Name}: the command did not finish within {timeout.TotalSeconds:0.#} s and was cancelled: {Shorten(command.Text)}");
        }
        catch (Exception e) when (e is SshConnectionException or SocketException or ObjectDisposedException or SshException)
        {
            connection.Invalidate(client);
            throw new RemoteExecutionException(host.Name, RemoteFailure.ConnectionLost,
                $"{host.Name}: the SSH connection dropped while running: {Shorten(command.Text)}. " +
                "The command may or may not have run; the runbook checks the server before going on.", e);
        }

        var result = new CommandResult(sshCommand.ExitStatus ?? -1, sshCommand.Result, sshCommand.Error, stopwatch.Elapsed);
        logger.LogDebug("ssh {Host}: exit {ExitCode} in {ElapsedMs} ms: {Command}",
            host.Name, result.ExitCode, (long)result.Elapsed.TotalMilliseconds, command.Text);
        return result;
    }

    private async Task<SshClient> ConnectAsync(Host host, CancellationToken cancellationToken)
    {
        var keyFile = LoadKey(host);
        var info = new ConnectionInfo(host.Address, host.SshPort, host.User, new PrivateKeyAuthenticationMethod(host.User, keyFile))
        {
            Timeout = connectTimeout,
        };
        var client = new SshClient(info);
        var check = new HostKeyCheck(host);
        client.HostKeyReceived += check.OnHostKeyReceived;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(connectTimeout);
        var connecting = client.ConnectAsync(deadline.Token);
        try
        {
            // Bounded here as well: parts of the handshake wait on their own timers and would not see the
            // token, so a host that accepts TCP and then says nothing could take several timeouts.
            await connecting.WaitAsync(connectTimeout, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("ssh {Host}: connected to {Address}:{Port} as {User}", host.Name, host.Address, host.SshPort, host.User);
            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose(); // closes the socket: the abandoned handshake ends too
            _ = connecting.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            throw check.Rejection ?? Classify(host, e, connectTimeout);
        }
    }

    /// <summary>The key, checked like OpenSSH would (see <see cref="SshKeys"/>); the error names the key file,
    /// the passphrase reference and the field to fix.</summary>
    private PrivateKeyFile LoadKey(Host host) =>
        SshKeys.TryLoad(host, secrets, out var problem) ?? throw new RemoteExecutionException(host.Name, RemoteFailure.KeyUnavailable,
            $"{host.Name}: {problem!.Message} (hosts[name={host.Name}].{problem.Field})");

    private static RemoteExecutionException Classify(Host host, Exception e, TimeSpan connectTimeout) => e switch
    {
        SshAuthenticationException => new RemoteExecutionException(host.Name, RemoteFailure.AuthenticationFailed,
            $"{host.Name}: {host.User}@{host.Address}:{host.SshPort} refused our key ({host.KeyFile}); add its public key to ~{host.User}/.ssh/authorized_keys there.", e),
        OperationCanceledException or SshOperationTimeoutException or TimeoutException => new RemoteExecutionException(host.Name, RemoteFailure.Unreachable,
            $"{host.Name}: no SSH answer from {host.Address}:{host.SshPort} within the connect timeout ({connectTimeout.TotalSeconds:0.###} s); the host may be down or firewalled.", e),
        _ => new RemoteExecutionException(host.Name, RemoteFailure.Unreachable,
            $"{host.Name}: cannot connect to {host.Address}:{host.SshPort}: {e.Message}", e),
    };

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values) await connection.DisposeAsync().ConfigureAwait(false);
        _connections.Clear();
    }
}
