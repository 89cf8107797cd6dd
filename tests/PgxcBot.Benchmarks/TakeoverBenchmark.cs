using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgxcBot.Core.Servers;
using PgxcBot.Replicas;
using PgxcBot.Store.Postgres;

namespace PgxcBot.Benchmarks;

/// <summary>
/// Takeover time of the bot's replicas on a shared PostgreSQL store (a lab server): two electors in this process, each
/// with its own store and pool, run the real schedule (the leader renews every lease/3, the standby asks every
/// <see cref="LeaderElectionService.StandbyPoll"/>); the leader dies at a random moment of its renewal cycle (it stops
/// renewing and closes its connections, as a kill -9 does) and the time until the standby is active is measured.
/// In-process so that the figure is the lease logic, not process start-up; the process-level kill -9 and SIGSTOP are the
/// integration tests (ReplicaProcessTests).
/// </summary>
internal sealed class TakeoverBenchmark : IBenchmark
{
    public string Name => "takeover";

    public string Description => "[--trials 10] [--lease-seconds 15]: time from the leader's death to the standby being active (median, p95)";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var options = new BenchmarkOptions(arguments, "trials", "lease-seconds");
        var trials = options.Int("trials", 10, 1, 1000);
        var lease = TimeSpan.FromSeconds(options.Int("lease-seconds", 15, 2, 300));
        await using var server = await new LabPairBuilder(new LabPairOptions { CloneSlave = false }).BuildAsync(LabReplicationMode.Async, cancellationToken, "botstore");
        var samples = new List<double>();
        for (var trial = 1; trial <= trials; trial++)
        {
            var database = $"takeover_{trial}_{Guid.NewGuid():N}";
            await using (var admin = new NpgsqlConnection(server.Master.ConnectionString))
            {
                await admin.OpenAsync(cancellationToken);
                await using var create = new NpgsqlCommand($"CREATE DATABASE {SqlText.Identifier(database)};", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            var connectionString = new NpgsqlConnectionStringBuilder(server.Master.ConnectionString) { Database = database }.ConnectionString;
            await using var storeA = await PostgresStore.OpenAsync(connectionString, null, null, cancellationToken);
            await using var storeB = await PostgresStore.OpenAsync(connectionString, null, null, cancellationToken);
            var a = new LeaderElector(new PostgresLeaderLease(storeA, "a", lease), TimeProvider.System, NullLogger<LeaderElector>.Instance);
            var b = new LeaderElector(new PostgresLeaderLease(storeB, "b", lease), TimeProvider.System, NullLogger<LeaderElector>.Instance);
            using var stopA = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var stopB = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var electionA = new LeaderElectionService(a, TimeProvider.System, NullLogger<LeaderElectionService>.Instance);
            await electionA.StartAsync(cancellationToken);
            await a.WaitUntilActiveAsync(cancellationToken).WaitAsync(lease * 3, cancellationToken);
            var electionB = new LeaderElectionService(b, TimeProvider.System, NullLogger<LeaderElectionService>.Instance);
            await electionB.StartAsync(cancellationToken);

            // Die at a random moment of the renewal cycle, as a crash would.
            await Task.Delay(TimeSpan.FromSeconds(lease.TotalSeconds / 3 * (1 + Random.Shared.NextDouble())), cancellationToken);
            var died = Stopwatch.GetTimestamp();
            await electionA.StopWithoutReleaseAsync();
            await storeA.DisposeAsync();
            // Woken by the elector itself, so the figure is not rounded to a polling step; bounded, so a standby that
            // never takes over ends the benchmark with a TimeoutException instead of hanging it.
            await b.WaitUntilActiveAsync(cancellationToken).WaitAsync(lease * 3, cancellationToken);
            var seconds = Stopwatch.GetElapsedTime(died).TotalSeconds;
            samples.Add(seconds);
            await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"trial {trial}/{trials}: takeover after {seconds:0.00} s"));
            await electionB.StopAsync(CancellationToken.None);
        }
        var stats = Stats.Of(samples);
        await output.WriteLineAsync("| lease | renew every | standby polls every | trials | takeover median | p95 | max |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"| {lease.TotalSeconds:0} s | {lease.TotalSeconds / 3:0.#} s | {LeaderElectionService.StandbyPoll.TotalSeconds:0} s | {stats.Count} | {stats.Median:0.0} s | {stats.P95:0.0} s | {stats.Max:0.0} s |"));
        return 0;
    }
}
