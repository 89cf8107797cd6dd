using Npgsql;
using PgxcBot.Hosting;
using static PgxcBot.Benchmarks.Approvers;

namespace PgxcBot.Benchmarks;

/// <summary>
/// Randomized failover drills under a writer, each ending with the bot's own recommended action: does the
/// bot ever call a promote safe that then loses an acknowledged row? Per drill: a fresh sync pair, a
/// writer committing ledger rows, the bot's status taken every 250 ms (as the monitor's polls, which keep
/// the master's last sighting), a random fault, the master killed, and the next step the master-lost
/// problem recommends: a plain promote when the bot calls it safe (then every acknowledged row must be on
/// the new master), --accept-data-loss otherwise (then the rows actually missing are counted, to show how
/// often the demand was needed).
/// </summary>
internal sealed class SafetyBenchmark : IBenchmark
{
    private static readonly string[] Faults =
    [
        "none", "slave killed", "slave frozen", "impostor sync client + slave frozen", "synchronous_commit local",
        "sync names cleared", "slave renamed", "two standbys required",
    ];

    public string Name => "safety";

    public string Description => "randomized drills: promotes called safe, acknowledged rows lost in those (must be 0). Options: --drills 24 --seed 1";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "drills", "seed", "first");
        var drills = options.Int("drills", 24, 1, 500);
        var first = options.Int("first", 0, 0, Faults.Length - 1);
        var random = new Random(options.Int("seed", 1, 0, int.MaxValue));
        var results = new List<DrillResult>();
        for (var i = 0; i < drills; i++)
        {
            var fault = Faults[i + first < Faults.Length ? i + first : random.Next(Faults.Length)];
            var result = await DrillAsync(fault, random, cancellationToken);
            results.Add(result);
            await progress.WriteLineAsync($"safety: drill {i + 1}/{drills} ({fault}): {(result.CalledSafe ? "called safe" : "demanded --accept-data-loss")}, " +
                                          $"{result.Acknowledged} acknowledged, {result.Lost} missing on the new master");
            if (result.CalledSafe && result.Lost > 0) await progress.WriteLineAsync("  VIOLATION: " + result.Evidence);
        }

        var safe = results.Where(r => r.CalledSafe).ToArray();
        var unsafeOnes = results.Where(r => !r.CalledSafe).ToArray();
        await output.WriteLineAsync("| fault before the master is killed | drills | called safe | rows lost when called safe | demanded --accept-data-loss | of those, rows really missing |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => r.Fault).OrderBy(g => Array.IndexOf(Faults, g.Key)))
        {
            await output.WriteLineAsync($"| {group.Key} | {group.Count()} | {group.Count(r => r.CalledSafe)} | {group.Where(r => r.CalledSafe).Sum(r => r.Lost)} | " +
                                        $"{group.Count(r => !r.CalledSafe)} | {group.Count(r => !r.CalledSafe && r.Lost > 0)} drills, {group.Where(r => !r.CalledSafe).Sum(r => r.Lost)} rows |");
        }
        await output.WriteLineAsync($"| **all** | {results.Count} | {safe.Length} | **{safe.Sum(r => r.Lost)}** | {unsafeOnes.Length} | {unsafeOnes.Count(r => r.Lost > 0)} drills, {unsafeOnes.Sum(r => r.Lost)} rows |");
        return safe.Sum(r => r.Lost) == 0 ? 0 : 1;
    }

    private sealed record DrillResult(string Fault, bool CalledSafe, int Acknowledged, long Lost, string Evidence);

    private static async Task<DrillResult> DrillAsync(string fault, Random random, CancellationToken cancellationToken)
    {
        await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 1, LabReplicationMode.Sync, coordinators: 1,
            maxDegreeOfParallelism: 1, cancellationToken);
        await using var bot = await LabBot.StartAsync(cluster, cancellationToken);
        var pair = cluster.Pair("datanode1");
        var status = bot.Get<IClusterStatusSource>();
        var service = bot.Get<OperationService>();
        await using var writer = await LabLedgerWriter.StartAsync(pair.Master, cancellationToken);
        using var polling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var polls = PollAsync(status, polling.Token);
        LabReplicationClient? impostor = null;
        try
        {
            await WaitAsync(() => writer.Count >= 50, "50 commits", cancellationToken);
            await ApplyFaultAsync(fault, pair, cluster, s => impostor = s, cancellationToken);
            var before = writer.Count;
            // Acknowledged writes after the fault (some faults block commits: then none come, which is fine).
            await WaitAsync(() => writer.Count >= before + 100, "100 commits after the fault", cancellationToken, TimeSpan.FromSeconds(3 + random.NextDouble() * 2), mustHappen: false);
            await pair.Master.KillAsync(cancellationToken);
            await writer.Stopped.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await pair.Slave.ThawAsync(cancellationToken); // harmless when not frozen
            if (!pair.Slave.IsRunning) await pair.Slave.StartAsync(cancellationToken);
        }
        finally
        {
            if (impostor is not null) await impostor.DisposeAsync();
        }
        await polling.CancelAsync();
        await polls;

        // The bot's own recommendation, from the master-lost problem's next step.
        var lost = await WaitForAsync(async () => (await status.GetAsync(cancellationToken)).Assessment.Pairs[0],
            p => p.Condition == ObservedCondition.MasterLost, "the master seen lost", cancellationToken);
        var next = lost.Problems.Single(p => p.Code == ProblemCodes.MasterUnreachable).NextStep;
        var calledSafe = next.EndsWith("/pgxc promote datanode1", StringComparison.Ordinal);
        var flags = calledSafe ? Array.Empty<string>() : [OperationService.AcceptDataLoss];
        var requested = await service.RequestAsync("promote", "datanode1", flags, Alice, cancellationToken);
        var operation = requested.Operation ?? throw new InvalidOperationException($"{fault}: the recommended promote was refused: {requested.Refusal}");
        var done = (await service.ApproveAsync(operation.Id, operation.Nonce, Bob, flags, cancellationToken)).Operation!;
        if (done.State != OperationState.Succeeded) throw new InvalidOperationException($"{fault}: the promote ended {done.State}: {done.Result}");
        var present = await writer.CountOnAsync(pair.Slave, cancellationToken);
        return new DrillResult(fault, calledSafe, writer.Count, writer.Count - present, lost.Problems.Single(p => p.Code == ProblemCodes.MasterUnreachable).Sentence);
    }

    private static async Task ApplyFaultAsync(string fault, LabPair pair, LabCluster cluster,
        Action<LabReplicationClient> impostorStarted, CancellationToken cancellationToken)
    {
        switch (fault)
        {
            case "none":
                break;
            case "slave killed":
                await pair.Slave.KillAsync(cancellationToken);
                break;
            case "slave frozen":
                await pair.Slave.FreezeAsync(cancellationToken);
                await ExecuteAsync(pair.Master, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 30000)", cancellationToken, blockOk: true);
                break;
            case "impostor sync client + slave frozen":
                await ExecuteAsync(pair.Slave, "ALTER SYSTEM SET primary_conninfo = ''", cancellationToken);
                await ExecuteAsync(pair.Slave, "SELECT pg_reload_conf()", cancellationToken);
                impostorStarted(LabReplicationClient.Start(pair, pair.ApplicationName, cluster.OsUser));
                await WaitAsync(() => Scalar(pair.Master, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'", cancellationToken) >= 1,
                    "the impostor to be the synchronous standby", cancellationToken);
                await ExecuteAsync(pair.Slave,
                    $"ALTER SYSTEM SET primary_conninfo = 'host={pair.Master.Address} port={pair.Master.Port} user=postgres application_name={pair.ApplicationName}'",
                    cancellationToken);
                await ExecuteAsync(pair.Slave, "SELECT pg_reload_conf()", cancellationToken);
                await WaitAsync(() => Scalar(pair.Master, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", cancellationToken) >= 2,
                    "the slave streaming beside the impostor", cancellationToken);
                await pair.Slave.FreezeAsync(cancellationToken);
                await ExecuteAsync(pair.Master, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 30000)", cancellationToken, blockOk: true);
                break;
            case "synchronous_commit local":
                await ExecuteAsync(pair.Master, "ALTER SYSTEM SET synchronous_commit = 'local'", cancellationToken);
                await ExecuteAsync(pair.Master, "SELECT pg_reload_conf()", cancellationToken);
                await pair.Slave.FreezeAsync(cancellationToken);
                await ExecuteAsync(pair.Master, "CREATE TABLE filler AS SELECT repeat('x', 1000) AS pad FROM generate_series(1, 30000)", cancellationToken, blockOk: true);
                break;
            case "sync names cleared":
                await ExecuteAsync(pair.Master, "ALTER SYSTEM SET synchronous_standby_names = ''", cancellationToken);
                await ExecuteAsync(pair.Master, "SELECT pg_reload_conf()", cancellationToken);
                await pair.Slave.KillAsync(cancellationToken);
                break;
            case "slave renamed":
                await ExecuteAsync(pair.Slave,
                    $"ALTER SYSTEM SET primary_conninfo = 'host={pair.Master.Address} port={pair.Master.Port} user=postgres application_name=dn1_replica'",
                    cancellationToken);
                await ExecuteAsync(pair.Slave, "SELECT pg_reload_conf()", cancellationToken);
                break;
            case "two standbys required":
                await ExecuteAsync(pair.Master, "ALTER SYSTEM SET synchronous_standby_names = '2 (datanode1_slave, datanode1_spare)'", cancellationToken);
                await ExecuteAsync(pair.Master, "SELECT pg_reload_conf()", cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown fault");
        }
    }

    /// <summary>The bot's status, every 250 ms, as the monitor polls: what keeps the master's last sighting fresh.</summary>
    private static async Task PollAsync(IClusterStatusSource status, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await status.GetAsync(cancellationToken);
                await Task.Delay(250, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    private static async Task ExecuteAsync(LabServer server, string sql, CancellationToken cancellationToken, bool blockOk = false)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        // A statement that cannot commit (its standby gone) is left waiting: the drill goes on without it.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = blockOk ? 5 : 30 };
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException) when (blockOk) { }
    }

    private static long Scalar(LabServer server, string sql, CancellationToken cancellationToken)
    {
        using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitAsync(Func<bool> done, string what, CancellationToken cancellationToken, TimeSpan? timeout = null, bool mustHappen = true)
    {
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                if (mustHappen) throw new TimeoutException($"waited in vain for {what}");
                return;
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    private static string Describe<T>(T result) => result is PairAssessment pair
        ? $"{pair.Condition}: {string.Join(" | ", pair.Problems.Select(p => p.Sentence))}"
        : result?.ToString() ?? "null";

    private static async Task<T> WaitForAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var result = await attempt();
            if (done(result)) return result;
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"waited in vain for {what}; last: {Describe(result)}");
            await Task.Delay(100, cancellationToken);
        }
    }
}
