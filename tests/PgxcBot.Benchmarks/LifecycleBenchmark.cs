using System.Text;
using Npgsql;
using PgxcBot.Hosting;
using static PgxcBot.Benchmarks.Approvers;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>lifecycle</c>: on one real sync pair and two coordinator simulators (local transport), (1) the full
/// failover cycle: the master is killed, promote (fence, promote, repoint) then rebuild (base backup of
/// the old master, stream, sync), timed from the promote request to the pair in sync again; (2) switchover
/// under a client that commits in a loop through a two-host connection string (read-write target): the
/// longest gap between two acknowledged commits is the write unavailability the client sees. Both are
/// repeated on the same pair (roles alternate); medians are reported.
/// </summary>
internal sealed class LifecycleBenchmark : IBenchmark
{
    public string Name => "lifecycle";

    public string Description => "promote → rebuild → sync cycle and switchover write unavailability on 1 real pair. Options: --cycles 3 --switchovers 5";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "cycles", "switchovers");
        var cycles = options.Int("cycles", 3, 0, 100);
        var switchovers = options.Int("switchovers", 5, 0, 100);

        await progress.WriteLineAsync("lifecycle: building 1 sync pair + 2 coordinator simulators...");
        await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 1, LabReplicationMode.Sync, 2, 1, cancellationToken);
        await using var bot = await Bot.StartAsync(cluster, cancellationToken);
        var pair = cluster.Pairs[0];
        await bot.ObserveAsync(cancellationToken);
        await Exec(pair.Master, "CREATE TABLE ledger (id bigint PRIMARY KEY)", cancellationToken);
        var version = await VersionAsync(pair.Master, cancellationToken);

        var promote = new List<double>();
        var rebuild = new List<double>();
        var cycle = new List<double>();
        for (var i = 1; i <= cycles; i++)
        {
            var master = await bot.CurrentMasterAsync(pair, cancellationToken);
            await master.KillAsync(cancellationToken);
            await UntilAsync(async () => (await bot.ObserveAsync(cancellationToken)).Pairs[0].Condition == ObservedCondition.MasterLost,
                "the master to be seen lost", cancellationToken);
            var started = Stopwatch.StartNew();
            var promoted = await bot.RunAsync("promote", cancellationToken);
            promote.Add(started.Elapsed.TotalMilliseconds);
            var rebuilding = Stopwatch.StartNew();
            await bot.RunAsync("rebuild", cancellationToken);
            rebuild.Add(rebuilding.Elapsed.TotalMilliseconds);
            cycle.Add(started.Elapsed.TotalMilliseconds);
            await progress.WriteLineAsync($"lifecycle: cycle {i}: promote {promote[^1]:0} ms ({promoted.Steps.Count} steps), rebuild {rebuild[^1]:0} ms");
        }

        var unavailable = new List<double>();
        var switchTimes = new List<double>();
        var lost = 0L;
        for (var i = 1; i <= switchovers; i++)
        {
            var (gap, took, missing) = await SwitchoverUnderLoadAsync(bot, pair, cancellationToken);
            unavailable.Add(gap);
            switchTimes.Add(took);
            lost += missing;
            await progress.WriteLineAsync($"lifecycle: switchover {i}: {took:0} ms, longest write gap {gap:0} ms, acknowledged rows missing: {missing}");
        }

        await output.WriteLineAsync(Render(cycles, promote, rebuild, cycle, switchovers, switchTimes, unavailable, lost, version));
        return lost == 0 ? 0 : 1;
    }

    private static async Task<(double Gap, double Took, long Missing)> SwitchoverUnderLoadAsync(Bot bot, LabPair pair, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(pair.Master.ConnectionString)
        {
            Host = $"{pair.Master.Address}:{pair.Master.Port},{pair.Slave.Address}:{pair.Slave.Port}",
            TargetSessionAttributes = "read-write",
            // Npgsql remembers a host's role for 10 s by default; the client must look again at once.
            HostRecheckSeconds = 0,
            Pooling = false,
        }.ConnectionString;
        var acknowledged = new List<(long Id, long At)>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var id = Stopwatch.GetTimestamp() * 1000;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(connectionString);
                    await connection.OpenAsync(stop.Token);
                    while (!stop.IsCancellationRequested)
                    {
                        await using var insert = new NpgsqlCommand($"INSERT INTO ledger VALUES ({++id})", connection);
                        await insert.ExecuteNonQueryAsync(stop.Token);
                        lock (acknowledged) acknowledged.Add((id, Stopwatch.GetTimestamp()));
                    }
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException) { await Task.Delay(5, CancellationToken.None); }
                catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        await UntilAsync(() => Task.FromResult(Count() >= 200), "200 commits before the switchover", cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await bot.RunAsync("switchover", cancellationToken);
        var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var before = Count();
        await UntilAsync(() => Task.FromResult(Count() >= before + 200), "200 commits after the switchover", cancellationToken);
        stop.Cancel();
        await writer;

        (long Id, long At)[] rows;
        lock (acknowledged) rows = acknowledged.ToArray();
        var window = rows.Where(r => r.At >= started).ToArray();
        var gap = 0.0;
        var last = rows.LastOrDefault(r => r.At < started).At;
        foreach (var row in window)
        {
            if (last != 0) gap = Math.Max(gap, Stopwatch.GetElapsedTime(last, row.At).TotalMilliseconds);
            last = row.At;
        }
        var master = await bot.CurrentMasterAsync(pair, cancellationToken);
        await using var check = new NpgsqlConnection(master.ConnectionString + ";Pooling=false");
        await check.OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM ledger WHERE id = ANY($1)", check);
        count.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Id).ToArray() });
        var present = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        return (gap, took, rows.Length - present);

        int Count() { lock (acknowledged) return acknowledged.Count; }
    }

    private static string Render(int cycles, List<double> promote, List<double> rebuild, List<double> cycle,
        int switchovers, List<double> switchTimes, List<double> unavailable, long lost, string version)
    {
        var text = new StringBuilder();
        text.AppendLine("| measurement | runs | median ms | min ms | max ms |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        void Row(string name, List<double> samples)
        {
            if (samples.Count == 0) return;
            var s = Stats.Of(samples);
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {s.Count} | {s.Median:0} | {s.Min:0} | {s.Max:0} |"));
        }
        Row("promote (fence, promote, clear sync, repoint 2 coordinators + catalogs)", promote);
        Row("rebuild (base backup of the old master, stream, sync)", rebuild);
        Row("full cycle promote → rebuild → sync", cycle);
        Row("switchover (whole runbook, incl. old master back as sync slave)", switchTimes);
        Row("switchover: write unavailability seen by a client (longest gap between commits)", unavailable);
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"{cycles} cycle(s), {switchovers} switchover(s) on one PostgreSQL pair on loopback, local transport; acknowledged rows missing after the switchovers: {lost}. ") +
            "The client reconnects through a two-host read-write connection string with a 5 ms pause after a failure. " +
            MachineFacts.Describe(version));
        return text.ToString();
    }

    private static async Task<string> VersionAsync(LabServer server, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task Exec(LabServer server, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task UntilAsync(Func<Task<bool>> done, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await done())
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60)) throw new TimeoutException($"gave up waiting for {what}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>The bot's services as the host wires them (<see cref="LabBot"/>), with the lab's own config.</summary>
    private sealed class Bot : IAsyncDisposable
    {
        private readonly LabBot _bot;
        private readonly OperationService _service;
        private readonly TopologyState _topology;

        private Bot(LabBot bot)
        {
            _bot = bot;
            _service = bot.Get<OperationService>();
            _topology = bot.Get<TopologyState>();
        }

        public static async Task<Bot> StartAsync(LabCluster cluster, CancellationToken cancellationToken) =>
            new(await LabBot.StartAsync(cluster, cancellationToken));

        public async Task<ClusterAssessment> ObserveAsync(CancellationToken cancellationToken) =>
            (await _bot.Get<IClusterStatusSource>().GetAsync(cancellationToken)).Assessment;

        public async Task<LabServer> CurrentMasterAsync(LabPair pair, CancellationToken cancellationToken)
        {
            var port = (await _topology.CurrentAsync(cancellationToken)).FindDatanode(pair.Name)!.Master.Port;
            return pair.Master.Port == port ? pair.Master : pair.Slave;
        }

        /// <summary>Requests as alice, approves as bob; throws unless it succeeded.</summary>
        public async Task<Operation> RunAsync(string kind, CancellationToken cancellationToken)
        {
            var reply = await _service.RequestAsync(kind, "datanode1", [], Alice, cancellationToken);
            var operation = reply.Operation ?? throw new InvalidOperationException($"{kind} refused: {reply.Refusal}");
            if (operation.State == OperationState.AwaitingApproval)
                operation = (await _service.ApproveAsync(operation.Id, operation.Nonce, Bob, [], cancellationToken)).Operation!;
            if (operation.State != OperationState.Succeeded)
                throw new InvalidOperationException($"{kind} {operation.State}: {operation.Result}\n" +
                    string.Join('\n', operation.Steps.Select(s => $"  {s.StepId}: {s.Status} {s.Summary} {s.Output}")));
            return operation;
        }

        public ValueTask DisposeAsync() => _bot.DisposeAsync();
    }
}
