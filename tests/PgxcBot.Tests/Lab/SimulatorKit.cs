using Npgsql;
using PgxcBot.Lab.Coordinator;

namespace PgxcBot.Tests.Lab;

/// <summary>How a test connects: Npgsql's default mode (type loading) or NoTypeLoading.</summary>
public enum ClientMode { Default, NoTypeLoading }

/// <summary>Starting simulators and connecting to them; every test owns its simulators.</summary>
internal static class SimulatorKit
{
    public static SimulatedNode[] TwoDatanodes(int port1 = 15432, int port2 = 15433) =>
    [
        SimulatedNode.Coordinator("coord1", "127.0.0.1", 5432),
        SimulatedNode.Datanode("datanode1", "127.0.0.1", port1, primary: true),
        SimulatedNode.Datanode("datanode2", "127.0.0.1", port2),
    ];

    public static async Task<CoordinatorSimulator> StartAsync(CoordinatorSimulatorOptions? options = null)
    {
        var sim = new CoordinatorSimulator(options ?? new CoordinatorSimulatorOptions { Nodes = TwoDatanodes() });
        await sim.StartAsync();
        return sim;
    }

    public static async Task<NpgsqlConnection> OpenAsync(
        CoordinatorSimulator sim, ClientMode mode = ClientMode.NoTypeLoading, string? extra = null)
    {
        var settings = "Timeout=5;Command Timeout=10" +
            (mode == ClientMode.NoTypeLoading ? ";Server Compatibility Mode=NoTypeLoading" : "") +
            (extra is null ? "" : ";" + extra);
        var connection = new NpgsqlConnection(sim.ConnectionString(settings));
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return await command.ExecuteScalarAsync();
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<PostgresException> ErrorAsync(NpgsqlConnection connection, string sql) =>
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, sql));

    public static async Task<List<object?[]>> RowsAsync(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}
