using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;
using Renci.SshNet.Common;

namespace PgxcBot.Ssh;

/// <summary>
/// Pins the host key. We never trust on first use: a host without a pinned fingerprint is refused too,
/// with the fingerprint it offered, so the operator can compare it with <c>ssh-keygen -lf</c> on the host.
/// </summary>
internal sealed class HostKeyCheck(Host host)
{
    public RemoteExecutionException? Rejection { get; private set; }

    public void OnHostKeyReceived(object? sender, HostKeyEventArgs e)
    {
        var offered = "SHA256:" + e.FingerPrintSHA256.TrimEnd('=');
        var pinned = host.HostKeyFingerprint?.TrimEnd('=');
        e.CanTrust = pinned is not null && string.Equals(pinned, offered, StringComparison.Ordinal);
        if (e.CanTrust) return;

        var where = $"hosts[name={host.Name}].hostKeyFingerprint";
        Rejection = new RemoteExecutionException(host.Name, RemoteFailure.HostKeyRejected, pinned is null
            ? $"{host.Name}: {host.Address}:{host.SshPort} offered host key {e.HostKeyName} {offered}, and no fingerprint is pinned. " +
              $"Verify it on the host (ssh-keygen -lf /etc/ssh/ssh_host_{KeyFileStem(e.HostKeyName)}_key.pub) and put it in {where}."
            : $"{host.Name}: {host.Address}:{host.SshPort} offered host key {e.HostKeyName} {offered}, but {pinned} is pinned. " +
              $"Refusing to connect: the host was reinstalled or someone is in the middle. If the change is expected, verify and update {where}.");
    }

    private static string KeyFileStem(string hostKeyName) => hostKeyName switch
    {
        "ssh-ed25519" => "ed25519",
        "ssh-rsa" or "rsa-sha2-256" or "rsa-sha2-512" => "rsa",
        _ when hostKeyName.StartsWith("ecdsa", StringComparison.Ordinal) => "ecdsa",
        _ => "*",
    };
}
