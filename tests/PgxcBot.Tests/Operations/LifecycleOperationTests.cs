using PgxcBot.Chat;
using PgxcBot.Hosting;
using static PgxcBot.Tests.Support.TestActors;

namespace PgxcBot.Tests.Operations;

/// <summary>The lifecycle runbooks from the console line to the (fake) servers: approval, order, progress, result.</summary>
public class LifecycleOperationTests
{
    private readonly FakeClusterRig _rig = new();
    private readonly ChatCommandHandler _handler;

    public LifecycleOperationTests()
    {
        // No remembered evidence: these runbooks do not ask whether the slave was seen in sync.
        var service = _rig.Cluster.OperationService(_rig.Topology, _rig.Operations, _rig.Policy, _rig.Time, evidence: new SyncEvidenceSource());
        _handler = new ChatCommandHandler(_rig.Topology, new NoStatus(), service, _rig.Operations, new MemoryPairStateStore(), NullLogger<ChatCommandHandler>.Instance);
    }

    private async Task<Operation> RequestAndApproveAsync(string line)
    {
        var asked = await _handler.HandleLineAsync(line, Alice, default);
        var pending = (await _rig.Operations.GetOpenAsync(default)).Single();
        Assert.Equal(OperationState.AwaitingApproval, pending.State);
        Assert.Contains($"/pgxc approve {pending.Id}", string.Join('\n', asked.Actions.Select(a => a.Command)));
        await _handler.HandleLineAsync($"/pgxc approve {pending.Id}", Bob, default);
        return (await _rig.Operations.GetAsync(pending.Id, default))!;
    }

    [Fact]
    public async Task Stop_then_start_from_the_console_goes_async_master_slave_and_back_master_slave_sync()
    {
        var stopped = await RequestAndApproveAsync("/pgxc stop datanode1");
        Assert.True(stopped.State == OperationState.Succeeded, stopped.Result);
        Assert.False(_rig.Cluster.Servers["node01:20006"].Running);
        Assert.False(_rig.Cluster.Servers["node02:20010"].Running);
        var log = _rig.Cluster.Log;
        int At(string text) => log.FindIndex(l => l.Contains(text, StringComparison.Ordinal));
        Assert.True(At("synchronous_standby_names = ''") < At("node01$ pg_ctl stop"), string.Join('\n', log));
        Assert.True(At("node01$ pg_ctl stop") < At("node02$ pg_ctl stop"), string.Join('\n', log));

        log.Clear();
        var started = await RequestAndApproveAsync("/pgxc start datanode1");
        Assert.True(started.State == OperationState.Succeeded, started.Result + string.Join('\n', started.Steps.Select(s => $"{s.StepId} {s.Status} {s.Summary}")));
        Assert.True(At("node01$ pg_ctl start") < At("node02$ pg_ctl start"), string.Join('\n', log));
        Assert.Equal("datanode1_slave", _rig.Cluster.Servers["node01:20006"].SyncNames);
    }

    [Fact]
    public async Task Plan_previews_a_switchover_without_running_anything_and_offers_the_request()
    {
        var preview = await _handler.HandleLineAsync("/pgxc plan switchover datanode1", Alice, default);
        Assert.StartsWith("Plan: switchover datanode1", preview.Title);
        Assert.Contains(preview.Actions, a => a.Command == "/pgxc switchover datanode1");
        Assert.Empty(await _rig.Operations.GetOpenAsync(default));
        Assert.DoesNotContain(_rig.Cluster.Log, l => l.Contains("pg_ctl", StringComparison.Ordinal));
    }

    private sealed class NoStatus : IClusterStatusSource
    {
        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken) => throw new NotSupportedException("not used");
    }
}
