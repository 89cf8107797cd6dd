using PgxcBot.Hosting;
using static PgxcBot.Benchmarks.Approvers;

namespace PgxcBot.Benchmarks;

/// <summary>
/// Failover speed: from the approval of a promote to "every coordinator repointed and verified" (fence,
/// promote, clear sync, repoint two coordinators and two datanode catalogs, each verified), on a fresh
/// lab per trial whose master was killed.
/// </summary>
internal sealed class PromoteBenchmark : IBenchmark
{
    public string Name => "promote";

    public string Description => "approval → all coordinators repointed and verified, over a killed sync master. Options: --trials 10";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken)
    {
        var trials = new BenchmarkOptions(arguments, "trials").Int("trials", 10, 1, 100);
        var samples = new List<double>();
        var steps = new Dictionary<string, List<double>>();
        for (var trial = 1; trial <= trials; trial++)
        {
            await using var cluster = await LabCluster.StartAsync(new LabPairOptions(), 2, LabReplicationMode.Sync, coordinators: 2,
                maxDegreeOfParallelism: 2, cancellationToken);
            await using var bot = await LabBot.StartAsync(cluster, cancellationToken);
            var status = bot.Get<IClusterStatusSource>();
            var service = bot.Get<OperationService>();
            await status.GetAsync(cancellationToken);

            await cluster.Pair("datanode1").Master.KillAsync(cancellationToken);
            var deadline = Stopwatch.StartNew();
            while ((await status.GetAsync(cancellationToken)).Assessment.Pairs[0].Condition != ObservedCondition.MasterLost)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the killed master was not seen lost within 30 s");
                await Task.Delay(50, cancellationToken);
            }

            var requested = (await service.RequestAsync("promote", "datanode1", [], Alice, cancellationToken)).Operation
                ?? throw new InvalidOperationException("the promote was refused");
            var clock = Stopwatch.StartNew();
            var done = (await service.ApproveAsync(requested.Id, requested.Nonce, Bob, [], cancellationToken)).Operation!;
            clock.Stop();
            if (done.State != OperationState.Succeeded)
                throw new InvalidOperationException($"trial {trial}: the promote ended {done.State}: {done.Result}");
            samples.Add(clock.Elapsed.TotalMilliseconds);
            foreach (var step in done.Steps.Where(s => s.StartedAt is not null && s.EndedAt is not null))
                (steps.TryGetValue(step.StepId, out var list) ? list : steps[step.StepId] = []).Add((step.EndedAt!.Value - step.StartedAt!.Value).TotalMilliseconds);
            await progress.WriteLineAsync($"promote: trial {trial}/{trials}: {clock.Elapsed.TotalMilliseconds:0} ms");
        }

        var total = Stats.Of(samples);
        await output.WriteLineAsync($"| Measure ({trials} trials, 2 coordinators, 2 datanode catalogs) | Median (ms) | p95 (ms) | Min (ms) | Max (ms) |");
        await output.WriteLineAsync("|---|---:|---:|---:|---:|");
        await output.WriteLineAsync($"| approval → all repointed and verified | {total.Median:0} | {total.P95:0} | {total.Min:0} | {total.Max:0} |");
        foreach (var (step, values) in steps)
        {
            var s = Stats.Of(values);
            await output.WriteLineAsync($"| step {step} | {s.Median:0} | {s.P95:0} | {s.Min:0} | {s.Max:0} |");
        }
        return 0;
    }
}
