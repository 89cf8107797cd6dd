using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace PgxcBot.Tests.Operations;

/// <summary>
/// Twenty bot processes approve the same operation at the same instant, on one SQLite file (the issue: two
/// <c>pgxcbot run "/pgxc approve 12"</c> both ran the runbook). Each child is this test assembly run as a
/// program (<see cref="ApprovalRaceChild"/>): it opens the store, recovers like a starting CLI, and approves.
/// Exactly one runs the promote, every time; the others are told who approved.
/// </summary>
public sealed class MultiProcessApprovalTests(ITestOutputHelper output) : IDisposable
{
    private const int Processes = 20;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-procs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Twenty_processes_approving_one_operation_run_it_exactly_once_every_time()
    {
        var storePath = Path.Combine(_dir, "state.db");
        var ledgers = Directory.CreateDirectory(Path.Combine(_dir, "ledgers")).FullName;
        var store = await SqliteStore.OpenAsync(storePath, null, default);
        var lab = new OperationLab(TimeProvider.System).WithDatanode2Lost();
        var requester = lab.Service(new SqliteOperationStore(store), new SqliteTopologyStore(store));

        var started = Stopwatch.StartNew();
        var children = Enumerable.Range(0, Processes).Select(i => Child.Start(storePath, ledgers, i % 2 == 0 ? "bob" : "carol")).ToArray();
        try
        {
            await Task.WhenAll(children.Select(c => c.ReadyAsync(Deadline)));
            output.WriteLine($"{Processes} processes ready in {started.Elapsed.TotalSeconds:0.0} s");

            foreach (var datanode in new[] { "datanode1", "datanode2" })
            {
                var requested = await requester.RequestAsync("promote", datanode, [], OperationLab.Alice, default);
                var op = requested.Operation ?? throw new InvalidOperationException(requested.Refusal);
                Assert.Equal(OperationState.AwaitingApproval, op.State);

                var round = Stopwatch.StartNew();
                foreach (var child in children) await child.SendAsync($"go {op.Id}");
                var results = await Task.WhenAll(children.Select(c => c.ResultAsync(op.Id, Deadline)));
                output.WriteLine($"{datanode}: {Processes} approvals answered in {round.Elapsed.TotalMilliseconds:0} ms");

                var won = results.Where(r => r.StartsWith("won", StringComparison.Ordinal)).ToArray();
                var winner = Assert.Single(won);
                Assert.Equal("won Succeeded", winner);
                var stored = (await new SqliteOperationStore(store).GetAsync(op.Id, default))!;
                var approver = stored.ApprovedBy!.DisplayName;
                Assert.All(results.Where(r => r != winner), r => Assert.Contains($"lost operation {op.Id} was already approved by {approver}", r));

                // Who ran what: one process, one promote.
                var ran = Directory.GetFiles(ledgers).Select(f => (File: f, Lines: File.ReadAllLines(f).Where(l => l.StartsWith($"{op.Id} ", StringComparison.Ordinal)).ToArray()))
                    .Where(x => x.Lines.Length > 0).ToArray();
                var runner = Assert.Single(ran);
                Assert.Single(runner.Lines, l => l.Contains("pg_ctl promote", StringComparison.Ordinal));
                Assert.Equal(OperationState.Succeeded, stored.State);
                Assert.Single(stored.Decisions, d => d.Kind == DecisionKind.Approved);
                Assert.DoesNotContain(stored.Decisions, d => d.Kind == DecisionKind.Interrupted);
            }
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }

    /// <summary>One child process and its answers.</summary>
    private sealed class Child : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentDictionary<long, TaskCompletionSource<string>> _results = new();
        private readonly ConcurrentQueue<string> _errors = new();

        private Child(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _errors.Enqueue(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static Child Start(string storePath, string ledgers, string approver)
        {
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { typeof(ApprovalRaceChild).Assembly.Location, ApprovalRaceChild.Role, storePath, ledgers, approver })
                info.ArgumentList.Add(arg);
            return new Child(Process.Start(info) ?? throw new InvalidOperationException("could not start a child process"));
        }

        private void OnLine(string? line)
        {
            if (line is null) return;
            if (line == "ready") _ready.TrySetResult();
            else if (line.StartsWith("RESULT ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', 3);
                Result(long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)).TrySetResult(parts[2]);
            }
        }

        private TaskCompletionSource<string> Result(long id) => _results.GetOrAdd(id, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

        public async Task ReadyAsync(TimeSpan deadline)
        {
            try
            {
                await _ready.Task.WaitAsync(deadline);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"child {_process.Id} not ready: {string.Join(" | ", _errors)}");
            }
        }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        public async Task<string> ResultAsync(long id, TimeSpan deadline)
        {
            try
            {
                return await Result(id).Task.WaitAsync(deadline);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"child {_process.Id} gave no result for operation {id}: {string.Join(" | ", _errors)}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                _process.StandardInput.Close();
                using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(exit.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
            {
                // Only this test's own child, by its handle.
                if (!_process.HasExited) _process.Kill();
            }
            _process.Dispose();
        }
    }
}
