using PgxcBot.Chat;
using PgxcBot.Hosting;
using static PgxcBot.Tests.Support.TestActors;

namespace PgxcBot.Tests.Advice;

/// <summary>History tells the whole story: who asked and who approved when, the data loss someone accepted,
/// and every refusal with its reason.</summary>
public class HistoryTests
{
    [Fact]
    public async Task History_lists_refusals_approval_times_and_accepted_data_loss()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        var operations = new MemoryOperationStore();
        var refusals = new MemoryRefusalLog();
        var pairs = new MemoryPairStateStore();
        var policy = TestApprovals.ByRole("dba");
        var service = cluster.OperationService(topology, operations, policy, time);
        var handler = new ChatCommandHandler(topology, new Unused(), service, operations, pairs, NullLogger<ChatCommandHandler>.Instance, refusals, time);

        // The master dies; the bot never saw the slave in sync: a plain promote is refused, the loss is accepted.
        cluster.Servers["node01:20006"].Running = false;
        await handler.HandleLineAsync("/pgxc promote datanode1", Alice, default);
        time.Advance(TimeSpan.FromSeconds(20));
        await handler.HandleLineAsync("/pgxc promote datanode1 --accept-data-loss", Alice, default);
        var id = (await operations.GetOpenAsync(default)).Single().Id;
        time.Advance(TimeSpan.FromSeconds(15));
        await handler.HandleLineAsync($"/pgxc approve {id} --fencing-unverified", Alice, default); // self-approval
        time.Advance(TimeSpan.FromSeconds(30));
        await handler.HandleLineAsync($"/pgxc approve {id}", Bob, default);

        var text = PlainTextRenderer.Render(await handler.HandleLineAsync("/pgxc history datanode1", Alice, default));
        Assert.Contains($"#{id} promote datanode1 with --accept-data-loss:", text);
        Assert.Contains("asked by alice at 2026-11-26 03:00:20 UTC; approved by bob at 2026-11-26 03:01:05 UTC", text);
        Assert.Contains("! DATA LOSS ACCEPTED", text);
        Assert.Contains("Refused:", text);
        Assert.Contains("2026-11-26 03:00:00 UTC alice: promote datanode1 refused:", text);
        Assert.Contains("2026-11-26 03:00:35 UTC alice: approve 1 refused: self-approval is not allowed", text);
    }

    private sealed class Unused : IClusterStatusSource
    {
        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");
    }
}
