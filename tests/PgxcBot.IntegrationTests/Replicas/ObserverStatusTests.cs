using System.Text.Json.Nodes;
using PgxcBot.Cli;
using PgxcBot.Core.Replicas;
using PgxcBot.Replicas;
using PgxcBot.Store.Postgres;
using PgxcBot.IntegrationTests.Store;

namespace PgxcBot.IntegrationTests.Replicas;

/// <summary>
/// `pgxcbot status --config FILE` against a lab pair with its state in a real shared PostgreSQL store: it names the
/// active replica and watches, it never joins the election (no heartbeat under its configured replica id, never the
/// lease, even a free one) and records nothing of what it observed (the active replica does that).
/// </summary>
public sealed class ObserverStatusTests(StoreServer server) : IClassFixture<StoreServer>
{
    private const string StoreVariable = "PGXCBOT_TEST_SHARED_STORE";

    private sealed class DeferredFence : IWriteFence
    {
        public IWriteFence? Inner { get; set; }
        public LeaseToken? Current => Inner?.Current;
    }

    [Fact]
    public async Task Status_on_a_shared_store_names_the_active_replica_and_writes_nothing_not_even_a_heartbeat_nor_takes_a_free_lease()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var connection = await server.CreateDatabaseAsync();
        // bot-b is the active replica (here in this process: its own store and elector, as `pgxcbot serve` has them).
        var fence = new DeferredFence();
        await using var store = await PostgresStore.OpenAsync(connection, fence, null, cts.Token);
        var elector = new LeaderElector(new PostgresLeaderLease(store, "bot-b", TimeSpan.FromSeconds(60)), TimeProvider.System, NullLogger<LeaderElector>.Instance);
        fence.Inner = elector;
        Assert.True(await elector.TickAsync(cts.Token));

        await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 1, LabReplicationMode.Sync, coordinators: 1, maxDegreeOfParallelism: 1, cts.Token);
        var folder = Directory.CreateTempSubdirectory("pgxcbot-observer-");
        try
        {
            var config = JsonNode.Parse(LabConfigFile.Render(cluster, Path.Combine(folder.FullName, "unused.db"), PgBinaries.Discover()))!.AsObject();
            // The config of replica bot-a, as an operator would run the check on bot-a's host.
            config["store"] = new JsonObject { ["connectionString"] = new JsonObject { ["env"] = StoreVariable }, ["replicaId"] = "bot-a" };
            var file = Path.Combine(folder.FullName, "pgxcbot.json");
            await File.WriteAllTextAsync(file, config.ToJsonString(), cts.Token);

            var active = await StatusAsync(file, connection, cts.Token);
            Assert.True(active.Code == ExitCodes.Ok, active.ToString());
            Assert.StartsWith("[OK] Cluster: healthy", active.Out);
            Assert.Contains("Bot replicas: active: bot-b since", active.Out);
            Assert.Contains("(lease epoch 1); last heartbeats: bot-b", active.Out);
            Assert.Equal(("bot-b", "bot-b", 1L, 0L), await StoredAsync(connection, cts.Token));

            // bot-b shuts down cleanly: the lease is free. The check still only watches.
            await elector.ReleaseAsync(cts.Token);
            var none = await StatusAsync(file, connection, cts.Token);
            Assert.True(none.Code == ExitCodes.Ok, none.ToString());
            Assert.Contains("Bot replicas: the lease of bot-b (epoch 1) expired", none.Out);
            Assert.Equal(("bot-b", "bot-b", 1L, 0L), await StoredAsync(connection, cts.Token));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private sealed record Run(int Code, string Out, string Error)
    {
        public override string ToString() => $"exit {Code}; stdout:\n{Out}\nstderr:\n{Error}";
    }

    private static async Task<Run> StatusAsync(string config, string connection, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var io = new CliIo(TextReader.Null, output, error, InputRedirected: true)
        {
            Variables = name => name == StoreVariable ? connection : Environment.GetEnvironmentVariable(name),
        };
        var code = await CliApp.RunAsync(["status", "--config", config], io, cancellationToken: cancellationToken);
        return new Run(code, output.ToString(), error.ToString());
    }

    /// <summary>The replicas with a heartbeat row (comma-separated), the lease's holder and epoch, and how many rows of bot state
    /// (pair states and their changes, master sightings) the store holds.</summary>
    private static async Task<(string Replicas, string Holder, long Epoch, long StateRows)> StoredAsync(string connection, CancellationToken cancellationToken)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync(cancellationToken);
        async Task<T> One<T>(string sql)
        {
            await using var command = new NpgsqlCommand(sql, c);
            return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        var replicas = await One<string[]>("SELECT coalesce(array_agg(replica_id ORDER BY replica_id), '{}') FROM bot_replica;");
        var holder = await One<string>("SELECT holder FROM bot_lease;");
        var epoch = await One<long>("SELECT epoch FROM bot_lease;");
        var rows = await One<long>("SELECT (SELECT count(*) FROM pair_state) + (SELECT count(*) FROM pair_transition) + (SELECT count(*) FROM master_sighting);");
        return (string.Join(",", replicas), holder, epoch, rows);
    }
}
