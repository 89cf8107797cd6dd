using PgxcBot.Core.Observation;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Observation;

/// <summary>A real observer with the system clock and a test secret resolver, plus small lookups.</summary>
internal static class ObserverHarness
{
    public static NpgsqlClusterObserver Create() =>
        new(new TestSecretResolver(), TimeProvider.System, NullLogger<NpgsqlClusterObserver>.Instance);

    public static PairObservation Pair(this ClusterSnapshot snapshot, string name) =>
        Assert.Single(snapshot.Pairs, p => p.Datanode == name);

    public static Task<ClusterSnapshot> ObserveUntilAsync(this IClusterObserver observer, ClusterTopology topology,
        Func<ClusterSnapshot, bool> done, string what, CancellationToken cancellationToken) =>
        Poll.UntilAsync(() => observer.ObserveAsync(topology, cancellationToken), done, TimeSpan.FromSeconds(20), what,
            cancellationToken);
}
