using PgxcBot.Benchmarks;

// Benchmarks of the bot against a real lab on loopback. One sub-command per benchmark (see IBenchmark);
// each prints a Markdown table ready for the README.
IBenchmark[] benchmarks = [new StatusBenchmark(), new PromoteBenchmark(), new MonitorBenchmark(), new LifecycleBenchmark(), new SafetyBenchmark(), new FlavorBenchmark(), new ChatBenchmark(), new IdleBenchmark(), new TakeoverBenchmark(), new AutoFailoverBenchmark()];

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Usage(Console.Out);
    return args.Length == 0 ? 2 : 0;
}
var benchmark = benchmarks.FirstOrDefault(b => b.Name == args[0]);
if (benchmark is null)
{
    Console.Error.WriteLine($"error: unknown benchmark '{args[0]}'. Valid: {string.Join(", ", benchmarks.Select(b => b.Name))}.");
    Usage(Console.Error);
    return 2;
}
try
{
    return await benchmark.RunAsync(args[1..], Console.Out, Console.Error, cancel.Token);
}
catch (BenchmarkArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Usage(Console.Error);
    return 2;
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled; the lab was stopped.");
    return 3;
}

void Usage(TextWriter writer)
{
    writer.WriteLine("usage: dotnet run -c Release --project tests/PgxcBot.Benchmarks -- BENCHMARK [options]");
    foreach (var b in benchmarks) writer.WriteLine($"  {b.Name,-10} {b.Description}");
}
