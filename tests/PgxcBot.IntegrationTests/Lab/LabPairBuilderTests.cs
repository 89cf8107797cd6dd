namespace PgxcBot.IntegrationTests.Lab;

/// <summary>The lab builder's operations act on real servers: each test checks them through SQL.</summary>
public sealed class LabPairBuilderTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Killed_master_restarts_and_promoted_slave_leaves_recovery()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Async, cts.Token);
        var folder = pair.Folder;

        Assert.False(await InRecoveryAsync(pair.Master, cts.Token));
        Assert.True(await InRecoveryAsync(pair.Slave, cts.Token));

        await pair.Master.KillAsync(cts.Token);
        Assert.False(pair.Master.IsRunning);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => InRecoveryAsync(pair.Master, cts.Token));

        await pair.Master.StartAsync(cts.Token);
        Assert.False(await InRecoveryAsync(pair.Master, cts.Token));
        await pair.WaitForStreamingAsync(TimeSpan.FromSeconds(30), cts.Token);

        await pair.Master.StopAsync(cts.Token);
        await pair.PromoteSlaveAsync(cts.Token);
        Assert.False(await InRecoveryAsync(pair.Slave, cts.Token));

        await pair.DisposeAsync();
        Assert.False(Directory.Exists(folder));
        Assert.False(pair.Slave.IsRunning);
    }

    [Fact]
    public async Task Frozen_server_answers_nothing_until_thawed()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var pair = await new LabPairBuilder().BuildAsync(LabReplicationMode.Sync, cts.Token);

        await pair.Slave.FreezeAsync(cts.Token);
        using (var shortWait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token))
        {
            shortWait.CancelAfter(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<Exception>(() => InRecoveryAsync(pair.Slave, shortWait.Token));
        }
        await pair.Slave.ThawAsync(cts.Token);
        Assert.True(await InRecoveryAsync(pair.Slave, cts.Token));
    }

    [Fact]
    public async Task Several_pairs_build_concurrently_with_distinct_ports()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var set = await new LabPairBuilder().BuildManyAsync(3, LabReplicationMode.Sync, 3, cts.Token);

        Assert.Equal(["datanode1", "datanode2", "datanode3"], set.Pairs.Select(p => p.Name));
        var ports = set.Pairs.SelectMany(p => new[] { p.Master.Port, p.Slave.Port }).ToArray();
        Assert.Equal(ports.Length, ports.Distinct().Count());
        foreach (var pair in set.Pairs) Assert.True(await InRecoveryAsync(pair.Slave, cts.Token));
    }

    private static async Task<bool> InRecoveryAsync(LabServer server, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
