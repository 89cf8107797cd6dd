using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PgxcBot.Chat;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Runbooks;
using PgxcBot.Hosting;
using PgxcBot.Store;
using PgxcBot.Tests.Operations;
using PgxcBot.Tests.Support;

namespace PgxcBot.Tests.Maintenance;

/// <summary>The chat side: who may set a window, what each answer says, ack of open incidents only, and history.</summary>
public sealed class MaintenanceCommandTests : IDisposable
{
    private static readonly Actor Alice = new("alice", "alice", ["dba"]);
    private static readonly Actor Intern = new("ivan", "ivan", ["ops"]);
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-maint-cmd-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(ChatCommandHandler Handler, SqliteMonitorStore Incidents, SqliteMaintenanceStore Windows)> HandlerAsync()
    {
        var store = await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default);
        // dba approves; ops may only request.
        var policy = new ApprovalPolicy(new HashSet<string>(), new HashSet<string> { "dba", "ops" }, new HashSet<string>(), new HashSet<string> { "dba" },
            AllowSelfApproval: false, TimeSpan.FromMinutes(10), ApprovalPolicy.DefaultKindsNeedingApproval);
        var topology = RunbookTopologies.TwoNodes() with { Approvals = policy };
        var cluster = new FakeCluster(topology);
        var operations = new MemoryOperationStore();
        var service = new OperationService(new TopologyState(topology, new MemoryTopologyStore(), _time), cluster, operations,
            new StepExecutor(cluster, cluster, TimeProvider.System), cluster, new SyncEvidenceSource(cluster.Memory), policy,
            new Quiet(), new Quiet(), _time);
        var incidents = new SqliteMonitorStore(store, _time);
        var windows = new SqliteMaintenanceStore(store);
        var handler = new ChatCommandHandler(topology, new Unused(), service, operations, new MemoryPairStateStore(), NullLogger<ChatCommandHandler>.Instance,
            new MemoryRefusalLog(), _time, windows, incidents);
        return (handler, incidents, windows);
    }

    private static async Task<(string Text, bool Refused)> SayAsync(ChatCommandHandler handler, string line, Actor actor)
    {
        var parsed = handler.Parser.Parse(line);
        var reply = await handler.AnswerAsync(parsed.Command!, actor, default);
        return (PlainTextRenderer.Render(reply.Message), reply.IsRefusal);
    }

    [Fact]
    public async Task An_approver_sets_and_ends_maintenance_and_history_tells_who_why_and_until_when()
    {
        var (handler, _, windows) = await HandlerAsync();
        var (set, refused) = await SayAsync(handler, "/pgxc maintenance datanode1 on --for 2h --reason \"kernel update\"", Alice);
        Assert.False(refused, set);
        Assert.Contains("Maintenance of datanode1 until 2026-11-26 05:00 UTC (set by alice at 2026-11-26 03:00 UTC: kernel update)", set);
        Assert.Contains("no automatic degrade, re-sync or failover for datanode1, and no pages for it", set);
        Assert.Contains("Next: it ends by itself at 2026-11-26 05:00 UTC with a message; end it earlier with /pgxc maintenance datanode1 off", set);
        Assert.Single(await windows.GetLastingMutesAsync(default));

        _time.Advance(TimeSpan.FromMinutes(30));
        var (off, offRefused) = await SayAsync(handler, "/pgxc maintenance datanode1 off", Alice);
        Assert.False(offRefused, off);
        Assert.Contains("Maintenance of datanode1 ended by alice at 2026-11-26 03:30 UTC", off);
        Assert.Empty(await windows.GetLastingMutesAsync(default));

        var (again, againRefused) = await SayAsync(handler, "/pgxc maintenance datanode1 off", Alice);
        Assert.True(againRefused);
        Assert.Contains("There is no maintenance of datanode1 in force, so nothing was changed.", again);

        var (history, _) = await SayAsync(handler, "/pgxc history datanode1", Alice);
        Assert.Contains("2026-11-26 03:00 UTC maintenance of datanode1 set by alice until 2026-11-26 05:00 UTC: kernel update; ended 2026-11-26 03:30 UTC (alice)", history);
    }

    [Fact]
    public async Task Someone_who_may_only_request_cannot_set_maintenance_but_may_ack()
    {
        var (handler, incidents, windows) = await HandlerAsync();
        var (text, refused) = await SayAsync(handler, "/pgxc maintenance --all on --reason x", Intern);
        Assert.True(refused);
        Assert.Contains("only someone listed in approvals.approvers may turn off automatic actions and pages", text);
        Assert.Empty(await windows.GetLastingMutesAsync(default));

        var (none, noneRefused) = await SayAsync(handler, "/pgxc ack datanode1/slave-lost", Intern);
        Assert.True(noneRefused);
        Assert.Contains("incident 'datanode1/slave-lost' is not open", none);

        var now = _time.GetUtcNow();
        var candidate = new AlertCandidate("datanode1", AlertKinds.SlaveLost, Severity.Warning, "datanode1: slave lost", ["s"], "Start the slave", []);
        await incidents.SaveIncidentsAsync([new Incident(candidate.Key, IncidentStatus.Open, candidate, now, now, 2, 0, now, now, null, 0, Severity.Warning)], default);
        var (ack, ackRefused) = await SayAsync(handler, "/pgxc ack datanode1/slave-lost --note \"on it\"", Intern);
        Assert.False(ackRefused, ack);
        Assert.Contains("datanode1: slave lost: owned by ivan since 03:00:00.0 UTC (note: on it).", ack);
        Assert.Contains("a change to a worse state", ack);
        Assert.Equal("ivan", Assert.Single(await windows.GetAcknowledgementsAsync(default)).Owner);

        var (unack, _) = await SayAsync(handler, "/pgxc unack datanode1/slave-lost", Intern);
        Assert.Contains("ivan no longer owns datanode1/slave-lost", unack);
        Assert.Empty(await windows.GetAcknowledgementsAsync(default));
    }

    private sealed class Quiet : IOperationObserver, IPairOperationSink
    {
        public Task OnEventAsync(OperationEvent operationEvent, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task OperationSucceededAsync(Operation operation, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class Unused : IClusterStatusSource
    {
        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("not in this test");
    }
}
