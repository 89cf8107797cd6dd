using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Remote;

/// <summary>
/// Runs commands on a host of the topology: over SSH for real hosts, locally for the lab. A command
/// that runs and fails is a <see cref="CommandResult"/> with a non-zero exit code; a host that cannot be
/// reached, refuses our key or presents an unknown host key is a <see cref="RemoteExecutionException"/>.
/// </summary>
public interface IRemoteShell
{
    Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken);
}

public enum RemoteFailure
{
    /// <summary>TCP connect failed or timed out.</summary>
    Unreachable,
    /// <summary>The host key is not the pinned one (or none is pinned).</summary>
    HostKeyRejected,
    /// <summary>The server refused our key.</summary>
    AuthenticationFailed,
    /// <summary>The command did not finish within its timeout; it was cancelled.</summary>
    Timeout,
    /// <summary>The key file or its passphrase could not be read.</summary>
    KeyUnavailable,
    /// <summary>The connection dropped while the command ran.</summary>
    ConnectionLost,
}

/// <summary>Why a command could not be run at all. The message is safe to show in chat: it never holds a secret.</summary>
public sealed class RemoteExecutionException(string hostName, RemoteFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string HostName { get; } = hostName;
    public RemoteFailure Failure { get; } = failure;
}
