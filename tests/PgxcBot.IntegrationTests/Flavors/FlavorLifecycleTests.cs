namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// The runbook's life of a pair, the same scenario on PostgreSQL 15 (simulated coordinators), on a real
/// Postgres-XC 1.2 and on a real Postgres-XL 10 cluster (stock standbys, not queryable): status; a lost
/// sync slave blocks commits and the async switch releases them; sync again; the master dies under a writer
/// and the promote keeps every acknowledged row, with writes and joins through every coordinator after it;
/// the old master rebuilt; a switchover back; stop and start in the safe order. XC/XL are skipped, naming
/// the variable, without an installation.
/// </summary>
public sealed class FlavorLifecycleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(8);

    [SkippableTheory]
    [InlineData(Flavor.PostgreSql)]
    [InlineData(Flavor.PostgresXc)]
    [InlineData(Flavor.PostgresXl)]
    public async Task The_life_of_a_pair_runs_on_every_flavor_without_losing_an_acknowledged_row(Flavor flavor)
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var timeout = new CancellationTokenSource(Budget);
        var ct = timeout.Token;
        await using var lab = await FlavorLab.StartAsync(flavor, ct);
        try
        {
            await LifeAsync(lab, flavor, ct);
        }
        catch
        {
            lab.WriteLogTails(output.WriteLine);
            throw;
        }
    }

    private async Task LifeAsync(FlavorLab lab, Flavor flavor, CancellationToken ct)
    {
        var pair = lab.Cluster.Pair("datanode1");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Step(string what) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:0.0} s] {flavor}: {what}");

        // Status: every pair in sync, the GTM answering (XC/XL).
        var status = await lab.AssessAsync(ct);
        Assert.All(status.Pairs, p => Assert.True(p.Condition == ObservedCondition.Sync, $"{p.Datanode}: {p.Condition} {string.Join(" | ", p.Problems.Select(x => x.Sentence))}"));
        if (lab.RealCoordinators) Assert.Contains(status.Snapshot.Gtm, g => g.Answered);
        Step("status: every pair in sync");

        // A lost sync slave blocks commits; the async switch releases them; sync again once it is back.
        await pair.Slave.StopAsync(ct, "immediate");
        var blockedCommit = FlavorLab.QueryAsync(lab.WriteConnection(), "CREATE TABLE blocked_commit (id int)", ct);
        await lab.UntilAsync("datanode1", p => p.CommitsBlocked, "commits blocked on datanode1", ct);
        Assert.False(blockedCommit.IsCompleted);
        var released = await lab.RunAsync("async", "datanode1", ct);
        Assert.True(released.State == OperationState.Succeeded, FlavorLab.Explain(released));
        await blockedCommit.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await pair.Slave.StartAsync(ct);
        await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Async, "the slave streaming again", ct);
        var sync = await lab.RunAsync("sync", "datanode1", ct);
        Assert.True(sync.State == OperationState.Succeeded, FlavorLab.Explain(sync));
        await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "sync again", ct);
        Step("blocked commits released by async; sync again");

        // The master dies under a writer; the promote the bot recommends keeps every acknowledged row.
        await using var writer = await LabLedgerWriter.StartAsync(lab.WriteConnection(), distributed: lab.RealCoordinators, ct);
        try
        {
            await Support.Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 200 || writer.Error is not null, TimeSpan.FromSeconds(60), "200 commits", ct);
        }
        catch (TimeoutException)
        {
            var stalled = await lab.AssessAsync(ct);
            throw new Xunit.Sdk.XunitException($"the writer stalled at {writer.Count} commits; status: " + string.Join(" / ", stalled.Pairs.Select(p => $"{p.Datanode} {p.Condition} blocked={p.CommitsBlocked} {string.Join(" | ", p.Problems.Select(x => x.Sentence))}")));
        }
        Assert.True(writer.Error is null, $"the writer stopped after {writer.Count} commits: {writer.Error}");
        await lab.AssessAsync(ct);
        await pair.Master.KillAsync(ct);
        await writer.Stopped.WaitAsync(TimeSpan.FromSeconds(60), ct);
        var lost = await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.MasterLost, "the master seen lost", ct);
        var verdict = lost.Promote!;
        Step($"master lost: {verdict.Summary}");
        // Safe, or (when the kill caught a commit on its way to the slave) the loss of unacknowledged WAL only.
        Assert.True(verdict.Safe || verdict.Summary.Contains("never acknowledged", StringComparison.Ordinal), verdict.Summary);
        var promote = verdict.Safe ? await lab.RunAsync("promote", "datanode1", ct) : await lab.RunAsync("promote", "datanode1", ct, OperationService.AcceptDataLoss);
        Assert.True(promote.State == OperationState.Succeeded, FlavorLab.Explain(promote));
        if (lab.RealCoordinators)
            Assert.Contains(promote.Steps, s => s.StepId == "gtm-unregister-old-node" && s.Status == Core.Runbooks.StepStatus.Succeeded);
        Step($"promoted in {promote.Steps.Where(s => s.StartedAt is not null && s.EndedAt is not null).Sum(s => (s.EndedAt!.Value - s.StartedAt!.Value).TotalMilliseconds):0} ms of steps");

        // Every acknowledged row, and reads and writes through every coordinator.
        foreach (var connection in AfterPromoteConnections(lab))
        {
            Assert.Equal(writer.Count, await writer.CountAsync(connection, ct));
            if (!lab.RealCoordinators) continue;
            await FlavorLab.QueryAsync(connection, "INSERT INTO ledger VALUES (-1000000 - (random() * 100000)::int)", ct);
            await FlavorLab.QueryAsync(connection, "INSERT INTO ledger SELECT -2000000 - g - (random() * 1000000)::int FROM generate_series(1, 50) g", ct);
            await FlavorLab.QueryAsync(connection, "INSERT INTO ledger SELECT id - 10000000 FROM ledger WHERE id BETWEEN 1 AND 20", ct);
            var joined = await FlavorLab.QueryAsync(connection, "SELECT count(*)::text FROM ledger a JOIN ledger b ON a.id + 1 = b.id", ct);
            Assert.True(long.Parse(joined[0], System.Globalization.CultureInfo.InvariantCulture) > 0);
            await FlavorLab.QueryAsync(connection, "DELETE FROM ledger WHERE id < -9000000 OR id BETWEEN -10000000 AND -9999980", ct);
            if (lab.Flavor == Flavor.PostgresXl)
                Assert.Equal("true", (await FlavorLab.QueryAsync(connection, "SELECT pgxc_pool_check()::text", ct))[0]);
        }
        Step("every acknowledged row present; writes and joins through every coordinator");

        // The old master rebuilt as the new slave, then a switchover back: sync and every row all along.
        var rebuild = await lab.RunAsync("rebuild", "datanode1", ct);
        Assert.True(rebuild.State == OperationState.Succeeded, FlavorLab.Explain(rebuild));
        await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "sync after the rebuild", ct);
        Step("rebuilt: sync");
        var switchover = await lab.RunAsync("switchover", "datanode1", ct);
        Assert.True(switchover.State == OperationState.Succeeded, FlavorLab.Explain(switchover));
        var back = await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "sync after the switchover", ct);
        Assert.Equal(pair.Master.Port, back.CurrentMaster!.Port);
        foreach (var connection in AfterPromoteConnections(lab)) Assert.Equal(writer.Count, await writer.CountAsync(connection, ct));
        Step("switched over back: sync, every row");

        // Stop and start in the safe order.
        var stop = await lab.RunAsync("stop", "datanode2", ct);
        Assert.True(stop.State == OperationState.Succeeded, FlavorLab.Explain(stop));
        Assert.False(lab.Cluster.Pair("datanode2").Master.IsRunning);
        Assert.False(lab.Cluster.Pair("datanode2").Slave.IsRunning);
        var start = await lab.RunAsync("start", "datanode2", ct);
        Assert.True(start.State == OperationState.Succeeded, FlavorLab.Explain(start));
        await lab.UntilAsync("datanode2", p => p.Condition == ObservedCondition.Sync, "datanode2 sync after start", ct);
        Step("stopped and started datanode2: sync");
    }

    /// <summary>Where the acknowledged rows are read after the promote: every coordinator on XC/XL, the new
    /// master (the old slave) on plain PostgreSQL.</summary>
    private static IEnumerable<string> AfterPromoteConnections(FlavorLab lab) => lab.RealCoordinators
        ? lab.Cluster.AllCoordinators.Select(c => c.ConnectionString("Pooling=false"))
        : [lab.Cluster.Pair("datanode1").Slave.ConnectionString + ";Pooling=false"];
}
