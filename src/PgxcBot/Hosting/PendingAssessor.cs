using PgxcBot.Core.Assessment;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Hosting;

/// <summary>
/// PENDING MERGE: stands in for PgxcBot.Core.Assessment.ClusterAssessor.Assess, which another branch
/// writes. Called from exactly one place (<see cref="ObservedClusterStatus"/>); delete this class when
/// that call names ClusterAssessor.
/// </summary>
internal static class PendingAssessor
{
    public static ClusterAssessment Assess(ClusterTopology topology, ClusterSnapshot snapshot) =>
        throw new NotSupportedException("cluster assessment is not wired yet (PendingAssessor: ClusterAssessor not merged).");
}
