using System.Globalization;

namespace PgxcBot.Core.Replicas;

/// <summary>The replicas' status as one line for /healthz and <c>/pgxc status</c>.</summary>
public static class LeadershipText
{
    /// <summary>
    /// E.g. "replica bot-b is standby; active: bot-a since 2026-11-30T03:12:09Z (lease epoch 2); last heartbeats:
    /// bot-a 0.8 s ago, bot-b 0.2 s ago". Heartbeat ages are against <paramref name="now"/> (the store's clock is
    /// what wrote them; a skew between the hosts shows here, it does not affect the lease).
    /// </summary>
    public static string Describe(LeadershipStatus status, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var role = status.ThisIsActive ? "active" : "standby";
        var active = status.Holder is null
            ? "no replica has held the lease yet"
            : status.ExpiresAt is { } until && until < now
                ? $"the lease of {status.Holder} (epoch {status.Epoch}) expired {Seconds(now - until)} s ago: no replica is active until one takes it"
                : $"active: {status.Holder} since {status.Since?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} (lease epoch {status.Epoch})";
        var beats = status.Replicas.Count == 0
            ? ""
            : "; last heartbeats: " + string.Join(", ", status.Replicas.Select(r => $"{r.ReplicaId} {Seconds(now - r.LastHeartbeat)} s ago"));
        return $"replica {status.ThisReplica} is {role}; {active}{beats}";
    }

    private static string Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture);
}
