namespace PgxcBot.Core.Observation;

/// <summary>
/// Servers a poll probes under a shorter deadline than the topology's connect and command timeouts, because the
/// decision that poll exists for does not need their answer: a sync slave the commit watch measured silent while
/// commits waited (<see cref="SilentSlaveSighting"/>) blocks those commits whatever its own SQL says, so its probe
/// must not hold the async switch for a frozen server's full timeout. A server in the set that answers within
/// <see cref="Timeout"/> is observed as usual; one that does not is a <see cref="ProbeStatus.Timeout"/>, as it would
/// be later with the full timeout.
/// </summary>
/// <param name="Endpoints">address:port of each server to probe quickly (<see cref="Topology.ServerLocation.Endpoint"/>).</param>
/// <param name="Timeout">Connect and command deadline for each of them (each phase; never longer than the topology's).</param>
public sealed record QuickProbes(IReadOnlySet<string> Endpoints, TimeSpan Timeout)
{
    /// <summary>The deadline for a server the commit watch measured silent (each phase). Its answer changes nothing in
    /// the decision (the sighting decides), so it is short: at 300 ms (the watch's least silence) a frozen slave added
    /// 300 ms to every frozen-slave stall of the monitor benchmark; at 100 ms a live slave on a pooled connection still
    /// answers (a probe is a few milliseconds there).</summary>
    public static readonly TimeSpan SilentServerTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Servers that become quick probes during the poll (null: none can): a probe already under way is given
    /// <see cref="Timeout"/> more from then on.</summary>
    public QuickProbeSignal? Later { get; init; }

    /// <summary>Every server under the topology's timeouts.</summary>
    public static readonly QuickProbes None = new(new HashSet<string>(StringComparer.Ordinal), TimeSpan.Zero);

    /// <summary>The connect and command timeouts for the server at <paramref name="endpoint"/>.</summary>
    public (TimeSpan Connect, TimeSpan Command) For(string endpoint, TimeSpan connect, TimeSpan command) =>
        Endpoints.Contains(endpoint) ? (Min(connect, Timeout), Min(command, Timeout)) : (connect, command);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
