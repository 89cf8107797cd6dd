using PgxcBot.Core.Topology;
using PgxcBot.IntegrationTests.Flavors;
using PgxcBot.IntegrationTests.Monitoring;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>flavors</c>: the two figures README gives per flavor, on the flavor's own lab (PostgreSQL 15 with
/// simulated coordinators; real Postgres-XC 1.2 / Postgres-XL 10 clusters when PGXCBOT_XC_HOME /
/// PGXCBOT_XL_HOME are set), the bot wired as the host wires it with the monitor at its default 1 s:
/// (1) commit stall after kill -9 of datanode1's sync slave: the longest gap between acknowledged commits of
/// a writer (through a coordinator on XC/XL) until the monitor's switch to async released them;
/// (2) promote: kill -9 of datanode1's master under a writer → the promote requested, approved and finished
/// (observation, plan, steps, repoint of every coordinator), and the acknowledged rows found afterwards.
/// </summary>
internal sealed class FlavorBenchmark : IBenchmark
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    public string Name => "flavors";

    public string Description => "commit stall and promote per flavor (PostgreSQL, XC, XL when installed). Options: --trials 5 --promotes 3 --flavor all|postgresql|postgres-xc|postgres-xl --writes autocommit|transactions";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "trials", "promotes", "flavor", "writes");
        var trials = options.Int("trials", 5, 1, 100);
        var promotes = options.Int("promotes", 3, 1, 20);
        var only = options.String("flavor", "all");
        var writes = options.String("writes", "autocommit");
        if (writes is not ("autocommit" or "transactions"))
            throw new BenchmarkArgumentException($"--writes {writes} is not autocommit (one INSERT per statement) or transactions (BEGIN; INSERT; COMMIT)");
        Flavor[] flavors = only switch
        {
            "all" => [Flavor.PostgreSql, Flavor.PostgresXc, Flavor.PostgresXl],
            "postgresql" => [Flavor.PostgreSql],
            "postgres-xc" => [Flavor.PostgresXc],
            "postgres-xl" => [Flavor.PostgresXl],
            _ => throw new BenchmarkArgumentException($"--flavor {only} is not all, postgresql, postgres-xc or postgres-xl"),
        };
        var rows = new List<string>();
        foreach (var flavor in flavors)
        {
            if (flavor != Flavor.PostgreSql && PgxcInstallation.FromEnvironment(flavor) is null)
            {
                await progress.WriteLineAsync($"flavors: {flavor} skipped: {PgxcInstallation.VariableFor(flavor)} is not set");
                continue;
            }
            await progress.WriteLineAsync($"flavors: {flavor}: starting the lab...");
            await using var lab = await FlavorLab.StartAsync(flavor, cancellationToken, monitor: true);
            var stalls = await CommitStallsAsync(lab, trials, progress, cancellationToken);
            var (took, steps, acknowledged, lost, lostWhenSafe) = await PromotesAsync(lab, promotes, writes == "transactions", progress, cancellationToken);
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {Label(flavor)} | {Cell(stalls)} | {Cell(took)} | {Cell(steps)} | {acknowledged} / {lost} / {lostWhenSafe} |"));
        }

        await output.WriteLineAsync($"### Per flavor, monitor at 1 s ({MachineFacts.Describe(null)})");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| flavor | commit stall after kill -9 of the sync slave (median / max) | promote: master killed → promoted, every coordinator repointed (median / max) | of which runbook steps (median / max) | rows acknowledged / lost / lost in promotes called safe |");
        await output.WriteLineAsync("|---|---|---|---|---|");
        foreach (var row in rows) await output.WriteLineAsync(row);
        return 0;
    }

    private static string Label(Flavor flavor) => flavor switch
    {
        Flavor.PostgresXc => "Postgres-XC 1.2 (real GTM, 2 coordinators)",
        Flavor.PostgresXl => "Postgres-XL 10r1.1 (real GTM, 2 coordinators, stock standbys)",
        _ => "PostgreSQL 15 (simulated coordinators)",
    };

    private static string Cell(IReadOnlyCollection<double> samples)
    {
        var s = Stats.Of(samples);
        return string.Create(CultureInfo.InvariantCulture, $"{s.Median:0} ms / {s.Max:0} ms (n={s.Count})");
    }

    private static async Task<List<double>> CommitStallsAsync(FlavorLab lab, int trials, TextWriter progress, CancellationToken cancellationToken)
    {
        var stalls = new List<double>();
        var slave = lab.Cluster.Pair("datanode1").Slave;
        for (var i = 0; i < trials; i++)
        {
            await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync && !p.CommitsBlocked, "datanode1 in sync", cancellationToken);
            await using var writer = await CommitWriter.StartAsync(lab.WriteConnection(), cancellationToken);
            await writer.WaitForCommitAfterAsync(Stopwatch.GetTimestamp(), Deadline, cancellationToken);
            await Task.Delay(Random.Shared.Next(0, 1000), cancellationToken); // a random phase against the poll ticks
            var killedAt = Stopwatch.GetTimestamp();
            await slave.KillAsync(cancellationToken);
            var (_, switchedAt) = await lab.Notifications.WaitForAsync(
                n => n.IncidentKey == "datanode1/slave-lost" && n.Message.Title.Contains("switched to async", StringComparison.Ordinal),
                Deadline, "the switch to async", cancellationToken, killedAt);
            await writer.WaitForCommitAfterAsync(switchedAt, Deadline, cancellationToken);
            var stall = writer.LongestGapAround(killedAt).TotalMilliseconds;
            stalls.Add(stall);
            await progress.WriteLineAsync($"flavors: {lab.Flavor}: stall trial {i + 1}/{trials}: {stall:0} ms");
            var restartedAt = Stopwatch.GetTimestamp();
            await slave.StartAsync(cancellationToken);
            await lab.Notifications.WaitForAsync(n => n.Message.Title == "datanode1: back in sync", Deadline, "sync re-enabled", cancellationToken, restartedAt);
        }
        return stalls;
    }

    private static async Task<(List<double> Took, List<double> Steps, long Acknowledged, long Lost, long LostWhenSafe)> PromotesAsync(
        FlavorLab lab, int promotes, bool explicitTransactions, TextWriter progress, CancellationToken cancellationToken)
    {
        var took = new List<double>();
        var steps = new List<double>();
        long acknowledged = 0, lost = 0, lostWhenSafe = 0;
        var pair = lab.Cluster.Pair("datanode1");
        for (var i = 0; i < promotes; i++)
        {
            var before = await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.Sync, "datanode1 in sync", cancellationToken);
            var (master, slave) = before.CurrentMaster!.Port == pair.Master.Port ? (pair.Master, pair.Slave) : (pair.Slave, pair.Master);
            // Writes go through a coordinator on XC/XL; on plain PostgreSQL to whichever server is the master now.
            var writeTo = lab.RealCoordinators ? lab.WriteConnection() : master.ConnectionString + ";Pooling=false";
            var readAfter = lab.RealCoordinators ? lab.WriteConnection() : slave.ConnectionString + ";Pooling=false";
            await FlavorLab.QueryAsync(writeTo, "DROP TABLE IF EXISTS ledger", cancellationToken);
            await using var writer = await LabLedgerWriter.StartAsync(writeTo, distributed: lab.RealCoordinators, cancellationToken, explicitTransactions);
            await IntegrationTests.Support.Poll.UntilAsync(() => Task.FromResult(writer.Count), n => n >= 200 || writer.Error is not null, Deadline, "200 commits", cancellationToken);
            if (writer.Error is not null) throw new InvalidOperationException($"the writer stopped: {writer.Error.Message}");

            var killedAt = Stopwatch.GetTimestamp();
            await master.KillAsync(cancellationToken);
            await writer.Stopped.WaitAsync(Deadline, cancellationToken);
            PairAssessment lostMaster;
            Operation promote;
            var attempt = 0;
            do
            {
                // The bot's own recommendation each time; a promote cancelled at approval because the evidence
                // changed in between (on a loaded host a shell probe can time out) is requested again.
                lostMaster = await lab.UntilAsync("datanode1", p => p.Condition == ObservedCondition.MasterLost, "the master seen lost", cancellationToken);
                var flags = lostMaster.Promote?.Safe == true ? [] : new[] { OperationService.AcceptDataLoss };
                promote = await lab.RunAsync("promote", "datanode1", cancellationToken, flags);
            }
            while (promote.State == OperationState.Cancelled && ++attempt < 3);
            if (promote.State != OperationState.Succeeded) throw new InvalidOperationException("promote failed: " + FlavorLab.Explain(promote));
            took.Add(Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds);
            steps.Add(promote.Steps.Where(s => s.StartedAt is not null && s.EndedAt is not null).Sum(s => (s.EndedAt!.Value - s.StartedAt!.Value).TotalMilliseconds));

            var found = await writer.CountAsync(readAfter, cancellationToken);
            // Read every time, so a loss can be compared with the promotes that lost nothing.
            var wal = await DiagnoseAsync(lab, master, slave, cancellationToken);
            if (found < writer.Count)
            {
                // Missing rows: missing for good, or not visible yet? Count again after a moment, and on every
                // datanode master directly, so the figure says which.
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
                var later = await writer.CountAsync(readAfter, cancellationToken);
                // Invisible rather than gone? On XL every snapshot comes from the GTM: a committed xid the GTM
                // has not passed yet looks in progress. Take 200 transaction ids through a coordinator and count again.
                var gtmBefore = lab.RealCoordinators ? (await FlavorLab.QueryAsync(readAfter, "SELECT txid_current()::text", cancellationToken)).Single() : "-";
                if (lab.RealCoordinators)
                    for (var k = 0; k < 200; k++) await FlavorLab.QueryAsync(readAfter, "SELECT txid_current()::text", cancellationToken);
                var advanced = await writer.CountAsync(readAfter, cancellationToken);
                var direct = new List<string>();
                foreach (var p in lab.Cluster.Pairs)
                foreach (var server in new[] { p.Master, p.Slave }.Where(s => s.IsRunning))
                {
                    try { direct.Add($"{server.Label} of {p.Name}: {await writer.CountAsync(server.ConnectionString + ";Pooling=false", cancellationToken)}"); }
                    catch (Npgsql.NpgsqlException e) { direct.Add($"{server.Label} of {p.Name}: {e.Message}"); }
                }
                var present = (await FlavorLab.QueryAsync(readAfter, "SELECT id::text FROM ledger", cancellationToken)).ToHashSet(StringComparer.Ordinal);
                var missing = writer.Acknowledged.Where(id => !present.Contains(id.ToString(CultureInfo.InvariantCulture))).Order();
                await progress.WriteLineAsync($"flavors: {lab.Flavor}: {writer.Count - found} missing; 5 s later {writer.Count - later}; after 200 more transaction ids from xid {gtmBefore}: {writer.Count - advanced}; directly: {string.Join("; ", direct)}; " +
                    $"missing ids {string.Join(",", missing)} of acknowledged 1..{writer.Acknowledged.Max()}; writer error: {writer.Error?.Message}");
                found = later;
            }
            acknowledged += writer.Count;
            lost += writer.Count - found;
            if (lostMaster.Promote?.Safe == true) lostWhenSafe += writer.Count - found;
            await progress.WriteLineAsync($"flavors: {lab.Flavor}: promote {i + 1}/{promotes}: {took[^1]:0} ms (steps {steps[^1]:0} ms), {writer.Count - found} of {writer.Count} acknowledged rows missing; the bot said: {lostMaster.Promote?.Summary}; {wal}");

            var rebuild = await lab.RunAsync("rebuild", "datanode1", cancellationToken);
            if (rebuild.State != OperationState.Succeeded) throw new InvalidOperationException("rebuild failed: " + FlavorLab.Explain(rebuild));
        }
        return (took, steps, acknowledged, lost, lostWhenSafe);
    }

    /// <summary>What the WAL of the dead master and of the new one say about the ledger's rows on datanode1,
    /// and which prepared transactions every running server holds (see <see cref="LedgerWalDiagnosis"/>).</summary>
    private static async Task<string> DiagnoseAsync(FlavorLab lab, LabServer deadMaster, LabServer newMaster, CancellationToken cancellationToken)
    {
        try
        {
            var direct = newMaster.ConnectionString + ";Pooling=false";
            // A Postgres-XL datanode promoted a moment ago may not serve a direct query yet ("unable to obtain
            // a snapshot from GTM"): ask again for a while.
            var relation = await IntegrationTests.Support.Poll.UntilAsync(async () =>
                {
                    try
                    {
                        return (await FlavorLab.QueryAsync(direct,
                            "SELECT '1663/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/' || pg_relation_filenode('ledger')", cancellationToken)).Single();
                    }
                    catch (Npgsql.NpgsqlException) { return ""; }
                }, r => r.Length > 0, TimeSpan.FromSeconds(30), "a direct answer from datanode1's new master", cancellationToken);
            // Plain PostgreSQL has no installation variable (VariableFor throws for it): its binaries are the system's.
            var bin = lab.RealCoordinators ? PgxcInstallation.FromEnvironment(lab.Flavor)!.BinDir : "/usr/lib/postgresql/15/bin";
            var waldump = Path.Combine(bin, "pg_waldump");
            var prepared = new List<string>();
            foreach (var p in lab.Cluster.Pairs)
            foreach (var server in new[] { p.Master, p.Slave }.Where(s => s.IsRunning))
            {
                try { prepared.Add($"{server.Label} of {p.Name}: " + string.Join(",", await FlavorLab.QueryAsync(server.ConnectionString + ";Pooling=false", "SELECT gid FROM pg_prepared_xacts", cancellationToken))); }
                catch (Npgsql.NpgsqlException e) { prepared.Add($"{server.Label} of {p.Name}: {e.Message}"); }
            }
            return $"ledger {relation}: dead master's WAL: {await LedgerWalDiagnosis.DescribeAsync(waldump, deadMaster.DataDir, relation, cancellationToken)}; " +
                $"new master's WAL: {await LedgerWalDiagnosis.DescribeAsync(waldump, newMaster.DataDir, relation, cancellationToken)}; " +
                $"on datanode1's new master directly: {(await FlavorLab.QueryAsync(direct, "SELECT count(*)::text FROM ledger", cancellationToken)).Single()} rows; " +
                $"prepared transactions: {string.Join("; ", prepared)}";
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return "WAL diagnosis failed: " + e.Message;
        }
    }
}
