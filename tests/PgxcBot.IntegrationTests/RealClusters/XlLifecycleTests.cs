using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A small real Postgres-XL cluster of its own (one coordinator, one pair) that the test breaks.</summary>
public sealed class XlLifecycleTests
{
    [XlFact]
    public async Task Queryable_standby_gtm_loss_lone_postmaster_kill_and_promote_then_clean_teardown()
    {
        using var cts = new CancellationTokenSource(RealClusterChecks.Budget);
        var options = new LabPairOptions { Installation = PgxcInstallation.FromEnvironment(Flavor.PostgresXl), QueryableStandby = true };
        await using var cluster = await LabCluster.StartAsync(Flavor.PostgresXl, options, pairs: 1, LabReplicationMode.Sync,
            coordinators: 1, maxDegreeOfParallelism: 1, cts.Token);
        var pair = cluster.Pairs[0];
        var coordinator = cluster.RealCoordinators[0];

        // global_snapshot_source = 'coordinator' makes the standby answer (a stock one refuses: XlClusterTests).
        Assert.Equal("true", await RealClusterChecks.InRecoveryAsync(pair.Slave, cts.Token));
        await RealClusterChecks.StreamingInSyncAsync(cluster, cts.Token);

        // Without the GTM every node refuses queries; a restarted GTM serves them again without node restarts.
        await cluster.Gtm!.KillAsync(cts.Token);
        var noGtm = await Assert.ThrowsAsync<PostgresException>(() => RealClusterChecks.RowsAsync(coordinator.ConnectionString(), "SELECT 1::text", cts.Token));
        Assert.Equal("XX000", noGtm.SqlState);
        Assert.StartsWith("Could not obtain a transaction ID from GTM", noGtm.MessageText, StringComparison.Ordinal);
        await cluster.Gtm.StartAsync(cts.Token);
        Assert.Equal(["1"], await RealClusterChecks.RowsAsync(coordinator.ConnectionString(), "SELECT 1::text", cts.Token));

        // kill -9 of the postmaster alone: its pooler lives on holding the shared memory, so a restart fails
        // meanwhile, as in the field. It would exit at its next 30 s maintenance tick: frozen, it cannot race the test.
        var killed = await coordinator.KillPostmasterOnlyAsync(cts.Token, freezeChildren: true);
        Assert.False(coordinator.Server.IsRunning);
        Assert.True(killed.Pooler is { IsAlive: true }, $"no live pooler among {string.Join(", ", killed.Children)}");
        var refused = await Assert.ThrowsAsync<LabCommandException>(() => coordinator.StartAsync(cts.Token));
        Assert.Contains("pre-existing shared memory block", refused.Message, StringComparison.Ordinal);

        // A promote (pg_ctl promote -w -Z datanode) leaves recovery at once.
        await RealClusterChecks.StopMasterAndPromoteAsync(pair, cts.Token);

        // Teardown copes with a frozen GTM, a lingering pooler, and a promoted slave killed alone.
        await pair.Slave.KillPostmasterOnlyAsync(cts.Token);
        await RealClusterChecks.TearsDownCleanWithFrozenGtmAsync(cluster, cts.Token);
    }
}
