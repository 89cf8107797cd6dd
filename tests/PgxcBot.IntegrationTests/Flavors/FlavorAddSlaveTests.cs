using PgxcBot.Core.Runbooks;

namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// The runbook's exercise on every flavor: datanode2 runs without a slave; <c>/pgxc add-slave datanode2</c>
/// copies its master (on XL with the slave's own pooler port), starts the copy streaming and makes it
/// synchronous; writes through every coordinator then reach both datanodes and every acknowledged row stays.
/// </summary>
public sealed class FlavorAddSlaveTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(5);

    [SkippableTheory]
    [InlineData(Flavor.PostgreSql)]
    [InlineData(Flavor.PostgresXc)]
    [InlineData(Flavor.PostgresXl)]
    public async Task Add_slave_gives_datanode2_a_synchronous_slave_on_every_flavor(Flavor flavor)
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var timeout = new CancellationTokenSource(Budget);
        var ct = timeout.Token;
        await using var lab = await FlavorLab.StartAsync(flavor, ct, cloneSlaves: false);
        try
        {
            var pair = lab.Cluster.Pair("datanode2");
            Assert.False(pair.Slave.IsRunning);
            var before = await lab.AssessAsync(ct);
            Assert.NotEqual(ObservedCondition.Sync, before.Pairs.Single(p => p.Datanode == "datanode2").Condition);

            var added = await lab.RunAsync("add-slave", "datanode2", ct);
            Assert.True(added.State == OperationState.Succeeded, FlavorLab.Explain(added));
            Assert.Contains(added.Steps, s => s.StepId == "base-backup" && s.Status == StepStatus.Succeeded);
            var synced = await lab.UntilAsync("datanode2", p => p.Condition == ObservedCondition.Sync, "datanode2 in sync", ct);
            Assert.False(synced.CommitsBlocked);
            Assert.True(pair.Slave.IsRunning);
            output.WriteLine($"{flavor}: add-slave steps took {added.Steps.Where(s => s.StartedAt is not null && s.EndedAt is not null).Sum(s => (s.EndedAt!.Value - s.StartedAt!.Value).TotalSeconds):0.0} s; datanode2 {synced.Condition}");

            // Writes through a coordinator (the master on plain PostgreSQL) commit on the now synchronous pair.
            var writeTo = lab.WriteConnection("datanode2");
            await using (var writer = await LabLedgerWriter.StartAsync(writeTo, distributed: lab.RealCoordinators, ct))
            {
                await Support.Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 100 || writer.Error is not null, TimeSpan.FromSeconds(60), "100 commits", ct);
                Assert.True(writer.Error is null, $"the writer stopped after {writer.Count} commits: {writer.Error}");
                await writer.DisposeAsync();
                var readers = lab.RealCoordinators
                    ? lab.Cluster.AllCoordinators.Select(c => c.ConnectionString("Pooling=false"))
                    : [writeTo];
                foreach (var reader in readers) Assert.Equal(writer.Count, await writer.CountAsync(reader, ct));
            }

            // A second add-slave finds nothing to do and changes nothing.
            var again = await lab.RunAsync("add-slave", "datanode2", ct);
            Assert.True(again.State == OperationState.Succeeded, FlavorLab.Explain(again));
            Assert.All(again.Steps, s => Assert.True(s.Status == StepStatus.Skipped, $"{s.StepId} was {s.Status}: {s.Summary}"));
        }
        catch
        {
            lab.WriteLogTails(output.WriteLine);
            throw;
        }
    }
}
