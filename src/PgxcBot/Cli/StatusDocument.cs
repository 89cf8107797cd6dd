using System.Text.Json;
using System.Text.Json.Serialization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;

namespace PgxcBot.Cli;

/// <summary>The JSON shape of <c>status --json</c>: the raw snapshot and what the assessor made of it.
/// Enums are written as strings and WAL positions as PostgreSQL writes them (0/3000148).</summary>
public sealed record StatusDocument(
    Severity Worst,
    ClusterSnapshot Snapshot,
    IReadOnlyList<PairAssessment> Pairs,
    IReadOnlyList<CoordinatorView> CoordinatorViews,
    IReadOnlyList<Problem> CoordinatorProblems)
{
    /// <summary>The document as <c>status --json</c> prints it (indented), serialized without reflection
    /// (<see cref="StatusJsonContext"/>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, StatusJsonContext.Default.StatusDocument);

    /// <summary>The maintenance windows and silences in force (who set them, why, until when); empty when none.</summary>
    public IReadOnlyList<PgxcBot.Core.Monitoring.Mute> Maintenance { get; init; } = [];

    /// <summary>Two replicas on a shared store: the lease (holder, epoch, since, until) and every replica's last
    /// heartbeat, as the store has them. Left out with SQLite, or when the store cannot be read.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReplicasDocument? Replicas { get; init; }

    public static StatusDocument From(ClusterAssessment a) =>
        new(a.Worst, a.Snapshot, a.Pairs, a.CoordinatorViews, a.CoordinatorProblems);
}

/// <summary>The <c>replicas</c> of <c>status --json</c>: the lease's <paramref name="Holder"/> (the active replica while
/// <paramref name="ExpiresAt"/> is ahead), its epoch, since when it holds it, and each replica's last heartbeat
/// (database clock, UTC). The status process itself is no replica: it is not in the list.</summary>
public sealed record ReplicasDocument(string? Holder, long Epoch, DateTimeOffset? Since, DateTimeOffset? ExpiresAt,
    IReadOnlyList<PgxcBot.Core.Replicas.ReplicaHeartbeat> Heartbeats)
{
    public static ReplicasDocument From(PgxcBot.Core.Replicas.LeadershipStatus status) =>
        new(status.Holder, status.Epoch, status.Since, status.ExpiresAt, status.Replicas);
}
