using Npgsql;
using PgxcBot.IntegrationTests.Monitoring;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>autofailover</c>: the <c>monitor</c> benchmark's two measures for pg_auto_failover 2.0 (Debian's
/// postgresql-15-auto-failover, monitor tuned to 1 s health checks) and for PgxcBot, in the same run on the
/// same machine, one after the other (never both at once), with ratios.
/// (1) Commit stall after kill -9 of the sync standby's host (postmaster and keeper): the longest gap between
/// two acknowledged commits of a writer committing in a loop on the primary.
/// (2) kill -9 of the primary's host → the monitor's decision (the secondary's goal state leaves secondary)
/// and → the new primary accepting a commit. PgxcBot's side is the monitor benchmark's own code.
/// </summary>
internal sealed class AutoFailoverBenchmark : IBenchmark
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    /// <summary>1 s health checks, one quick retry, unhealthy after 1 s; primary_demote_timeout stays at its default.</summary>
    private static readonly Dictionary<string, string> Tuning = new(StringComparer.Ordinal)
    {
        ["pgautofailover.health_check_period"] = "1000",
        ["pgautofailover.health_check_timeout"] = "500",
        ["pgautofailover.health_check_max_retries"] = "1",
        ["pgautofailover.health_check_retry_delay"] = "100",
        ["pgautofailover.node_considered_unhealthy_timeout"] = "1000",
    };

    public string Name => "autofailover";

    public string Description => "pg_auto_failover 2.0 vs PgxcBot: commit stall after losing the sync standby, master death → decision. Options: --trials 3 --master-trials 3";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "trials", "master-trials");
        var trials = options.Int("trials", 3, 1, 1000);
        var masterTrials = options.Int("master-trials", 3, 0, 1000);
        var loadBefore = LoadAverage();

        var stalls = new List<double>();
        var decisions = new List<double>();
        var writable = new List<double>();
        IReadOnlyList<string> settings;
        await progress.WriteLineAsync("autofailover: starting a pg_auto_failover monitor + 2 nodes...");
        await using (var lab = await AutoFailoverLab.StartAsync(Tuning, Deadline, progress, cancellationToken))
        {
            settings = lab.Settings;
            for (var i = 0; i < trials; i++)
            {
                var (primary, secondary) = await lab.WaitSteadyAsync(Deadline, cancellationToken);
                await using var writer = await CommitWriter.StartAsync(lab.ConnectionString(primary), cancellationToken);
                await writer.WaitForCommitAfterAsync(Stopwatch.GetTimestamp(), Deadline, cancellationToken);
                await Task.Delay(Random.Shared.Next(0, 1000), cancellationToken); // a random phase against the health checks
                var killedAt = Stopwatch.GetTimestamp();
                lab.KillNode(secondary);
                var resumedAt = await writer.WaitForCommitAfterAsync(killedAt, Deadline, cancellationToken);
                // The gap that holds the kill ends at the first commit after it; later gaps count too (as in monitor).
                await writer.WaitForCommitAfterAsync(resumedAt, Deadline, cancellationToken);
                var stall = writer.LongestGapAround(killedAt).TotalMilliseconds;
                stalls.Add(stall);
                await progress.WriteLineAsync($"autofailover: standby trial {i + 1}/{trials}: commit stall {stall:0} ms");
                lab.RestartNode(secondary);
            }
            for (var i = 0; i < masterTrials; i++)
            {
                var (primary, secondary) = await lab.WaitSteadyAsync(Deadline, cancellationToken);
                await Task.Delay(Random.Shared.Next(0, 1000), cancellationToken);
                var killedAt = Stopwatch.GetTimestamp();
                lab.KillNode(primary);
                var decidedAt = await UntilAsync(async ct => (await lab.NodesAsync(ct)).Any(n => n.Port == secondary && n.GoalState != "secondary"),
                    "the monitor's promotion decision", cancellationToken);
                var writableAt = await UntilAsync(async ct =>
                {
                    await using var c = await lab.OpenAsync(secondary, "postgres", ct);
                    await using var insert = new NpgsqlCommand("INSERT INTO monitor_writes DEFAULT VALUES", c);
                    insert.CommandTimeout = 2;
                    await insert.ExecuteNonQueryAsync(ct);
                    return true;
                }, "the new primary accepting a commit", cancellationToken);
                decisions.Add(Stopwatch.GetElapsedTime(killedAt, decidedAt).TotalMilliseconds);
                writable.Add(Stopwatch.GetElapsedTime(killedAt, writableAt).TotalMilliseconds);
                await progress.WriteLineAsync($"autofailover: primary trial {i + 1}/{masterTrials}: decided after {decisions[^1]:0} ms, writable after {writable[^1]:0} ms");
                lab.RestartNode(primary);
            }
        }
        await progress.WriteLineAsync("autofailover: pg_auto_failover torn down; now PgxcBot's monitor benchmark...");
        var bot = await MonitorBenchmark.MeasureAsync(trials, masterTrials, progress, cancellationToken);
        var loadAfter = LoadAverage();

        await output.WriteLineAsync($"### PgxcBot vs pg_auto_failover 2.0, same run ({MachineFacts.Describe("15")})");
        await output.WriteLineAsync();
        await output.WriteLineAsync($"pg_auto_failover monitor: {string.Join(", ", settings)} (primary_demote_timeout at its default). " +
            $"Load average before: {loadBefore}; after: {loadAfter}.");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| measure | PgxcBot median / p95 (n) | pg_auto_failover median / p95 (n) | ratio of medians (pg_auto_failover / PgxcBot) |");
        await output.WriteLineAsync("|---|---|---|---|");
        await Row(output, "commit stall after kill -9 of the sync standby (longest gap between acknowledged commits)", bot.Stalls, stalls);
        if (masterTrials > 0)
        {
            await Row(output, "kill -9 of the master → PgxcBot: master-lost alert; pg_auto_failover: failover decided (monitor goal state)", bot.AlertTimes, decisions);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| kill -9 of the master → new primary accepts a commit | – (promotion is a runbook step) | {Cell(writable)} | – |"));
        }
        return 0;
    }

    private static Task Row(TextWriter output, string what, IReadOnlyList<double> bot, IReadOnlyList<double> other)
    {
        var ratio = Stats.Of(other).Median / Math.Max(1, Stats.Of(bot).Median);
        return output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"| {what} | {Cell(bot)} | {Cell(other)} | {ratio:0.0}× |"));
    }

    private static string Cell(IReadOnlyList<double> samples)
    {
        var s = Stats.Of(samples);
        return string.Create(CultureInfo.InvariantCulture, $"{s.Median:0} ms / {s.P95:0} ms ({s.Count})");
    }

    /// <summary>Polls every 20 ms until <paramref name="condition"/> holds; returns the Stopwatch timestamp.</summary>
    private static async Task<long> UntilAsync(Func<CancellationToken, Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                if (await condition(cancellationToken)) return Stopwatch.GetTimestamp();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException) { }
            if (Stopwatch.GetElapsedTime(started) > Deadline) throw new TimeoutException($"no {what} within {Deadline.TotalSeconds:0} s");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages (/proc/loadavg).</summary>
    private static string LoadAverage()
    {
        try { return string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }
}
