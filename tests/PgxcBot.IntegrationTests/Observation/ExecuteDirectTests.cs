using PgxcBot.IntegrationTests.Assessment;
using PgxcBot.IntegrationTests.Cli;

namespace PgxcBot.IntegrationTests.Observation;

/// <summary>EXECUTE DIRECT through a coordinator simulator reaches a real PostgreSQL master, as the
/// runbook's checks (pgxc_node_str, port, recovery) do on a real XL coordinator.</summary>
public sealed class ExecuteDirectTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Modes => new() { "", "Server Compatibility Mode=NoTypeLoading" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Execute_direct_to_datanode1_answers_from_the_real_master(string connectionOptions)
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 1, LabReplicationMode.Async,
            coordinators: 1, maxDegreeOfParallelism: 1, cts.Token);
        var master = cluster.Pair("datanode1").Master;
        await using var connection = new NpgsqlConnection(cluster.Coordinators[0].ConnectionString(connectionOptions));
        await connection.OpenAsync(cts.Token);

        await using var command = new NpgsqlCommand(
            "EXECUTE DIRECT ON (datanode1) 'SELECT pgxc_node_str(), inet_server_port(), pg_is_in_recovery()'", connection);
        await using var reader = await command.ExecuteReaderAsync(cts.Token);

        Assert.True(await reader.ReadAsync(cts.Token));
        Assert.Equal("datanode1", reader.GetValue(0));
        // The relay passes the real server's row description on: int4 and bool arrive typed, as from XL.
        Assert.Equal("integer", reader.GetDataTypeName(1));
        Assert.Equal(master.Port, reader.GetValue(1));
        Assert.Equal("boolean", reader.GetDataTypeName(2));
        Assert.Equal(typeof(bool), reader.GetFieldType(2));
        Assert.Equal(false, reader.GetValue(2));
        Assert.False(await reader.ReadAsync(cts.Token));
    }
}
