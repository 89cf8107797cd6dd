using System.Globalization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Replicas;

/// <summary>The replicas' status in words, for /healthz, <c>/pgxc status</c>, <c>pgxcbot status</c> and the
/// standby's answer to an action.</summary>
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
        return $"replica {status.ThisReplica} is {(status.ThisIsActive ? "active" : "standby")}; {Shared(status, now)}";
    }

    /// <summary>
    /// The same without "replica X is ...", for a process that is no replica (the one-shot <c>pgxcbot status</c>):
    /// "active: bot-a since 2026-11-30T03:12:09Z (lease epoch 2); last heartbeats: bot-a 0.8 s ago, bot-b 0.2 s ago".
    /// </summary>
    public static string Shared(LeadershipStatus status, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var active = status.Holder is null
            ? "no replica has held the lease yet"
            : IsExpired(status, now)
                ? $"the lease of {status.Holder} (epoch {status.Epoch}) expired {Seconds(now - status.ExpiresAt!.Value)} s ago: no replica is active until one takes it"
                : $"active: {status.Holder} since {status.Since?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} (lease epoch {status.Epoch})";
        var beats = status.Replicas.Count == 0
            ? ""
            : "; last heartbeats: " + string.Join(", ", status.Replicas.Select(r => $"{r.ReplicaId} {Seconds(now - r.LastHeartbeat)} s ago"));
        return active + beats;
    }

    /// <summary>
    /// What a standby answers, to the asker only, when asked to act (a command that is not
    /// <see cref="Commands.CommandSpec.ReadOnly"/>, a button): the request was not taken, who acts instead, and when to
    /// retry. <paramref name="status"/> is null when the store could not be read (<paramref name="why"/> says why).
    /// </summary>
    /// <param name="replica">This replica's id.</param>
    /// <param name="what">The command, e.g. "promote datanode1" or "approve 3".</param>
    /// <param name="lease">The lease duration: how long a takeover can take at most after the active is gone.</param>
    public static ChatMessage StandbyRefusal(string replica, string what, LeadershipStatus? status, string? why, TimeSpan lease, DateTimeOffset now)
    {
        var takeover = $"If the active replica is gone, {replica} takes over within the lease ({lease.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s): retry then.";
        string who;
        if (status is null)
            who = $"The shared store cannot be read ({why}), so no replica can act now.";
        else if (status.Holder is null || IsExpired(status, now) || status.Holder == replica)
            who = $"No replica is active right now ({Shared(status, now)}).";
        else
            who = $"The active replica {status.Holder} (since {status.Since?.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC) handles actions.";
        return ChatMessage.Simple($"Not taken: replica {replica} is standby", Severity.Warning,
            $"`{what}` was not run: this replica is standby and never acts (nothing was started, approved or changed).",
            who,
            "Retry in a few seconds: the request may reach either replica, and only the active one takes it. " + takeover);
    }

    private static bool IsExpired(LeadershipStatus status, DateTimeOffset now) => status.ExpiresAt is { } until && until < now;

    private static string Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture);
}
