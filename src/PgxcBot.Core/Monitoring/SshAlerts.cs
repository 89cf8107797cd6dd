using PgxcBot.Core.Assessment;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Monitoring;

/// <summary>The result of one SSH check of a host (a <c>true</c> run through the remote shell).</summary>
/// <param name="Failure">Why it could not run, when it could not; null when the command ran.</param>
/// <param name="Detail">The shell's own words (never a secret): the offered host key, the refused user, …</param>
public sealed record SshCheckResult(bool Answered, RemoteFailure? Failure, string Detail, DateTimeOffset At);

/// <summary>
/// The words of the "SSH to a host lost" alert: what failed (the shell's message, which names the offered
/// host key or the refused user), what it means (runbooks cannot run there: no fencing, no promote or
/// rebuild on that host) and what to do, per kind of failure.
/// </summary>
public static class SshAlerts
{
    /// <summary>The incident subject of a host: its key is <c>host/NAME/ssh-lost</c>.</summary>
    public static string Subject(string hostName) => $"host/{hostName}";

    public static AlertCandidate Candidate(ClusterTopology topology, Host host, SshCheckResult failed, DateTimeOffset lastAnswered)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(failed);
        var servers = ServersOn(topology, host.Name);
        var masters = topology.Datanodes.Where(d => d.Master.HostName == host.Name).Select(d => d.Name).ToArray();
        var sentences = new List<string>
        {
            $"The bot cannot run commands on {host.Name} ({host.User}@{host.Address}:{host.SshPort}): {What(failed)}" +
            (lastAnswered == DateTimeOffset.MinValue ? "" : $" It last answered at {IncidentMessages.Clock(lastAnswered)} UTC."),
            servers.Count == 0
                ? $"No server of the topology lives on {host.Name}, but no runbook can run there until SSH works."
                : $"Runbooks cannot run on {host.Name} ({string.Join(", ", servers)}): no promote, rebuild, stop or start there" +
                  (masters.Length == 0 ? "." : $", and if the master of {string.Join(", ", masters)} fails now it cannot be fenced: a promote would need --fencing-unverified and the bot would never fail over by itself."),
            "The databases themselves may be fine: the monitor still probes them over SQL.",
        };
        return new AlertCandidate(Subject(host.Name), AlertKinds.SshLost, Severity.Warning, $"SSH to {host.Name} lost", sentences,
            NextStep(host, failed), []);
    }

    private static string What(SshCheckResult failed)
    {
        var detail = failed.Detail.Trim().TrimEnd('.');
        return failed.Failure switch
        {
            RemoteFailure.Unreachable => $"the host does not answer on its SSH port ({detail}).",
            RemoteFailure.Timeout => $"the check did not finish in time ({detail}).",
            RemoteFailure.ConnectionLost => $"the connection dropped during the check ({detail}).",
            RemoteFailure.HostKeyRejected => $"its host key was rejected ({detail}).",
            RemoteFailure.AuthenticationFailed => $"the login was refused ({detail}).",
            RemoteFailure.KeyUnavailable => $"the bot cannot use its SSH key ({detail}).",
            _ => $"`true` failed there ({detail}).",
        };
    }

    private static string NextStep(Host host, SshCheckResult failed) => failed.Failure switch
    {
        RemoteFailure.HostKeyRejected =>
            $"Compare the offered fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on {host.Name}, from its console). " +
            "If the host was reinstalled and the key is genuine, pin it in the host's hostKeyFingerprint and reload; if not, treat it as an attack and do not connect.",
        RemoteFailure.AuthenticationFailed =>
            $"Check that the bot's public key is in ~{host.User}/.ssh/authorized_keys on {host.Name} and that the user {host.User} may log in, then wait for the next check.",
        RemoteFailure.KeyUnavailable =>
            "Check the key file and its passphrase reference in the host's keyFile / keyPassphrase, on the bot's machine.",
        _ => $"Check that {host.Name} is up and sshd listens on {host.Address}:{host.SshPort} (console, power, network, firewall); the alert clears at the first check that succeeds.",
    };

    private static List<string> ServersOn(ClusterTopology topology, string hostName)
    {
        var list = new List<string>();
        foreach (var pair in topology.Datanodes)
        {
            if (pair.Master.HostName == hostName) list.Add($"master of {pair.Name}");
            if (pair.Slave?.HostName == hostName) list.Add($"slave of {pair.Name}");
        }
        list.AddRange(topology.Coordinators.Where(c => c.HostName == hostName).Select(c => $"coordinator {c.Name}"));
        return list;
    }
}
