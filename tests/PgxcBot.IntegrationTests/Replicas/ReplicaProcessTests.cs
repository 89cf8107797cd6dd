using PgxcBot.IntegrationTests.Store;

namespace PgxcBot.IntegrationTests.Replicas;

/// <summary>
/// Two replica processes (<see cref="ReplicaChild"/>: the real election loop and fenced store, with a sender and a
/// step writer standing for the bot's active duties) on one real PostgreSQL store: kill -9 of the leader while idle
/// and during an incident, and SIGSTOP of the leader past its lease then SIGCONT. Lease 3 s to keep the tests short.
/// </summary>
public sealed class ReplicaProcessTests(StoreServer server, ITestOutputHelper output) : IClassFixture<StoreServer>, IAsyncLifetime
{
    private const double LeaseSeconds = 3;
    private readonly string _ledgers = Directory.CreateTempSubdirectory("pgxcbot-replicas-").FullName;
    private readonly List<ChildProcess> _replicas = [];
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await server.CreateDatabaseAsync();

    public Task DisposeAsync()
    {
        foreach (var replica in _replicas) replica.Dispose();
        Directory.Delete(_ledgers, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<ChildProcess> StartAsync(string id, bool send = true)
    {
        var replica = ChildProcess.Start("a replica process", ReplicaChild.Role, _connectionString, id,
            LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), _ledgers, send ? "send" : "nosend");
        _replicas.Add(replica);
        await replica.WaitForAsync(l => l == "ready", TimeSpan.FromSeconds(30));
        return replica;
    }

    private string[] Deliveries() => Directory.GetFiles(_ledgers, "*.log").SelectMany(File.ReadAllLines).ToArray();

    private async Task<IReadOnlyList<(long Id, string Reason)>> StepsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, reason FROM pair_transition ORDER BY id;", connection);
        var steps = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) steps.Add((reader.GetInt64(0), reader.GetString(1)));
        return steps;
    }

    [Fact]
    public async Task Kill_9_of_the_idle_leader_the_standby_takes_over_within_the_lease()
    {
        var a = await StartAsync("a");
        await a.WaitForAsync(l => l == "ACTIVE 1", TimeSpan.FromSeconds(10));
        var b = await StartAsync("b");
        await b.WaitForAsync(l => l == "STANDBY", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("ACTIVE 1", b.Lines);

        var killed = Stopwatch.GetTimestamp();
        a.Kill();
        await b.WaitForAsync(l => l == "ACTIVE 2", TimeSpan.FromSeconds(LeaseSeconds + 5));
        var takeover = Stopwatch.GetElapsedTime(killed);
        output.WriteLine($"kill -9 of the leader: the standby took over after {takeover.TotalMilliseconds:0} ms (lease {LeaseSeconds} s, renewed every {LeaseSeconds / 3} s, standby polls every 1 s)");
        Assert.True(takeover <= TimeSpan.FromSeconds(LeaseSeconds + 1.5), $"takeover took {takeover}");
    }

    [Fact]
    public async Task Kill_9_of_the_leader_during_an_incident_the_alert_is_delivered_once_by_the_new_leader()
    {
        // The leader stored the alert (as the monitor does) but its sender had not posted it when it died.
        var a = await StartAsync("a", send: false);
        await a.WaitForAsync(l => l == "ACTIVE 1", TimeSpan.FromSeconds(10));
        var b = await StartAsync("b");
        await a.SendAsync("alert master-lost");
        var id = (await a.WaitForAsync(l => l.StartsWith("ENQUEUED ", StringComparison.Ordinal), TimeSpan.FromSeconds(10)))["ENQUEUED ".Length..];
        Assert.Empty(Deliveries()); // the standby sends nothing

        a.Kill();
        await b.WaitForAsync(l => l == "ACTIVE 2", TimeSpan.FromSeconds(LeaseSeconds + 5));
        await Poll.UntilAsync(() => Task.FromResult(Deliveries()), d => d.Length > 0, TimeSpan.FromSeconds(10), "the new leader to deliver the alert", default);
        // It keeps running: nothing delivers the alert a second time.
        await Poll.UntilAsync(StepsAsync, s => s.Count(x => x.Reason.StartsWith("b/2/", StringComparison.Ordinal)) >= 10, TimeSpan.FromSeconds(10),
            "b to run ten more rounds", default);
        Assert.Equal([$"DELIVER {id} b 2"], Deliveries());
    }

    [Fact]
    public async Task SIGSTOP_of_the_leader_past_its_lease_then_SIGCONT_its_writes_are_refused_it_steps_down_and_nothing_runs_twice()
    {
        var a = await StartAsync("a");
        await a.WaitForAsync(l => l == "ACTIVE 1", TimeSpan.FromSeconds(10));
        var b = await StartAsync("b");
        await b.WaitForAsync(l => l == "STANDBY", TimeSpan.FromSeconds(10));

        a.Signal(PosixProcesses.SigStop);
        await b.WaitForAsync(l => l == "ACTIVE 2", TimeSpan.FromSeconds(LeaseSeconds + 5));
        await Poll.UntilAsync(StepsAsync, s => s.Any(x => x.Reason.StartsWith("b/2/", StringComparison.Ordinal)), TimeSpan.FromSeconds(10), "b's first step", default);
        var beforeWake = (await StepsAsync()).Count(x => x.Reason.StartsWith("a/", StringComparison.Ordinal));

        a.Signal(PosixProcesses.SigCont);
        // Its next renewal (every lease/3) is refused; a loaded host (CI, 2 cores) may take a few rounds to run it.
        await Poll.UntilAsync(() => Task.FromResult(a.Lines.SkipWhile(l => l != "ACTIVE 1").Contains("STANDBY")), down => down, TimeSpan.FromSeconds(LeaseSeconds * 5),
            () => $"a to step down after waking; a's last lines: {string.Join(" | ", a.Lines.TakeLast(8))}", default);
        await Poll.UntilAsync(StepsAsync, s => s.Count(x => x.Reason.StartsWith("b/2/", StringComparison.Ordinal)) >= 20, TimeSpan.FromSeconds(10), "b to go on", default);

        var steps = await StepsAsync();
        var ofA = steps.Where(x => x.Reason.StartsWith("a/", StringComparison.Ordinal)).ToArray();
        var ofB = steps.Where(x => x.Reason.StartsWith("b/", StringComparison.Ordinal)).ToArray();
        output.WriteLine($"a wrote {ofA.Length} steps (epoch 1) before the pause; b {ofB.Length} (epoch 2); a's lines after waking: {string.Join(", ", a.Lines.TakeLast(3))}");
        Assert.Equal(beforeWake, ofA.Length);                  // nothing of a after it woke
        Assert.All(ofA, x => Assert.StartsWith("a/1/", x.Reason));
        Assert.True(ofA.Max(x => x.Id) < ofB.Min(x => x.Id));  // the two turns never interleave
        Assert.Equal(ofB.Length, ofB.Select(x => x.Reason).Distinct().Count());
        Assert.Equal(["ACTIVE 1", "STANDBY"], a.Lines.SkipWhile(l => l != "ACTIVE 1").Where(l => l is "ACTIVE 1" or "STANDBY" || l.StartsWith("ACTIVE", StringComparison.Ordinal)));
    }
}
