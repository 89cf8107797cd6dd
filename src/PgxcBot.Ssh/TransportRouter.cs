using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Ssh;

/// <summary>Sends each command to the transport its host is configured with.</summary>
public sealed class TransportRouter(SshRemoteShell ssh, LocalShell local) : IRemoteShell
{
    public Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken) =>
        host.Transport switch
        {
            TransportKind.Local => local.RunAsync(host, command, timeout, cancellationToken),
            _ => ssh.RunAsync(host, command, timeout, cancellationToken),
        };
}
