namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>
/// What every "no acknowledged commit is lost" of the bot rests on, checked on the real coordinators: a
/// coordinator acknowledges a write to a datanode only once that datanode's commit is durable on its
/// synchronous standby. With datanode1's standby frozen (SIGSTOP), no write that touches datanode1 may come
/// back, in any of the forms applications use: an autocommit INSERT with a parameter, one with a literal,
/// an explicit transaction, and a multi-row INSERT over both datanodes (two-phase commit). Once the standby
/// thaws, every write comes back and every row is there.
/// </summary>
public sealed class FlavorAcknowledgementTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);

    /// <summary>How long the writes are watched after the master shows commits waiting for the standby: a
    /// coordinator that acknowledged early answers within milliseconds of its datanode's CommandComplete.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(3);

    [SkippableTheory]
    [InlineData(Flavor.PostgresXc)]
    [InlineData(Flavor.PostgresXl)]
    public async Task No_write_touching_a_datanode_is_acknowledged_while_its_sync_standby_is_frozen(Flavor flavor)
    {
        FlavorSkip.UnlessInstalled(flavor);
        using var timeout = new CancellationTokenSource(Budget);
        var ct = timeout.Token;
        await using var lab = await FlavorLab.StartAsync(flavor, ct);
        var pair = lab.Cluster.Pair("datanode1");
        var write = lab.WriteConnection();
        await FlavorLab.QueryAsync(write, "CREATE TABLE ack_probe (id int PRIMARY KEY) DISTRIBUTE BY HASH (id)", ct);
        await FlavorLab.QueryAsync(write, "INSERT INTO ack_probe SELECT g FROM generate_series(1, 40) g", ct);
        var onDatanode1 = (await FlavorLab.QueryAsync(write, $"EXECUTE DIRECT ON ({pair.Master.NodeName}) 'SELECT id::text FROM ack_probe ORDER BY id'", ct))
            .Select(int.Parse).ToList();
        var elsewhere = Enumerable.Range(1, 40).Except(onDatanode1).ToList();
        Assert.True(onDatanode1.Count >= 4 && elsewhere.Count >= 1, $"hash distribution put {onDatanode1.Count} of 40 ids on datanode1");
        await FlavorLab.QueryAsync(write, "DELETE FROM ack_probe", ct);

        await pair.Slave.FreezeAsync(ct);
        var writes = new Dictionary<string, Task>();
        try
        {
            writes["autocommit INSERT with a parameter"] = InsertAsync(write, onDatanode1[0], parameter: true, explicitTransaction: false, ct);
            writes["autocommit INSERT with a literal"] = InsertAsync(write, onDatanode1[1], parameter: false, explicitTransaction: false, ct);
            writes["BEGIN; INSERT; COMMIT"] = InsertAsync(write, onDatanode1[2], parameter: true, explicitTransaction: true, ct);
            writes["multi-row INSERT over both datanodes"] = FlavorLab.QueryAsync(write, $"INSERT INTO ack_probe VALUES ({onDatanode1[3]}), ({elsewhere[0]})", ct);

            await lab.UntilAsync("datanode1", p => p.CommitsBlocked || writes.Values.All(w => w.IsCompleted), "commits waiting on datanode1's standby", ct);
            List<string> early;
            try
            {
                early = await Support.Poll.UntilAsync(() => Task.FromResult(writes.Where(w => w.Value.IsCompleted).Select(w => w.Key).ToList()),
                    done => done.Count > 0, Watch, "an early acknowledgement", ct);
            }
            catch (TimeoutException)
            {
                early = []; // what must happen: nothing came back while the standby was frozen
            }
            foreach (var (form, task) in writes) output.WriteLine($"{flavor}: {form}: {(task.IsCompleted ? "acknowledged while the standby was frozen" : "waiting")}");
            Assert.True(early.Count == 0, $"{flavor} acknowledged with datanode1's sync standby frozen: {string.Join("; ", early)}");
        }
        finally
        {
            await pair.Slave.ThawAsync(CancellationToken.None);
        }

        await Task.WhenAll(writes.Values).WaitAsync(TimeSpan.FromSeconds(60), ct);
        var present = await FlavorLab.QueryAsync(write, "SELECT count(*)::text FROM ack_probe", ct);
        Assert.Equal("5", present.Single());
    }

    private static async Task InsertAsync(string connectionString, int id, bool parameter, bool explicitTransaction, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var transaction = explicitTransaction ? await connection.BeginTransactionAsync(ct) : null;
        await using var insert = parameter
            ? new NpgsqlCommand("INSERT INTO ack_probe VALUES ($1)", connection, transaction) { Parameters = { new NpgsqlParameter { Value = id } } }
            : new NpgsqlCommand($"INSERT INTO ack_probe VALUES ({id})", connection, transaction);
        insert.CommandTimeout = 120;
        await insert.ExecuteNonQueryAsync(ct);
        if (transaction is not null) await transaction.CommitAsync(ct);
    }
}
