using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace PgxcBot.Tests.Telemetry;

/// <summary>
/// A run of an operation, on the fake cluster, exported by OpenTelemetry's in-memory exporter: one span for the
/// operation, one child span per step that ran, tagged with the operation id and the datanode. The
/// ActivitySource is process-wide, so each test reads only its own trace (a parent activity of its own).
/// </summary>
public sealed class OperationTracingTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    private readonly OperationLab _lab;
    private readonly List<Activity> _exported = [];
    private readonly TracerProvider _tracer;

    public OperationTracingTests()
    {
        _lab = new OperationLab(_time);
        _tracer = Sdk.CreateTracerProviderBuilder().AddSource(OperationTracing.SourceName).AddInMemoryExporter(_exported).Build()!;
    }

    public void Dispose() => _tracer.Dispose();

    /// <summary>Runs <paramref name="run"/> under a parent activity of its own; returns this run's spans, in the order they ended.</summary>
    private async Task<(Activity Parent, List<Activity> Spans)> TracedAsync(Func<Task> run)
    {
        // Recorded: the SDK's default sampler follows a parent's decision.
        using var parent = new Activity("test").SetIdFormat(ActivityIdFormat.W3C);
        parent.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        parent.Start();
        await run();
        parent.Stop();
        _tracer.ForceFlush();
        lock (_exported) return (parent, _exported.Where(a => a.TraceId == parent.TraceId).ToList());
    }

    [Fact]
    public async Task A_promote_is_one_trace_with_one_span_per_step_tagged_with_the_operation_and_the_datanode()
    {
        var service = _lab.Service(new MemoryOperationStore(), new MemoryTopologyStore());
        Operation? done = null;
        var (parent, spans) = await TracedAsync(async () =>
        {
            var requested = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;
            done = (await service.ApproveAsync(requested.Id, requested.Nonce, OperationLab.Bob, [], default)).Operation!;
        });
        Assert.Equal(OperationState.Succeeded, done!.State);

        var operation = Assert.Single(spans, s => s.OperationName == "promote");
        Assert.Equal(parent.SpanId, operation.ParentSpanId);
        Assert.Equal(done.Id, operation.GetTagItem(OperationTracing.OperationIdTag));
        Assert.Equal("datanode1", operation.GetTagItem(OperationTracing.DatanodeTag));
        Assert.Equal("promote", operation.GetTagItem(OperationTracing.OperationKindTag));
        Assert.Equal("Succeeded", operation.GetTagItem(OperationTracing.OperationStateTag));
        Assert.Equal(ActivityStatusCode.Ok, operation.Status);

        var steps = spans.Where(s => s != operation).OrderBy(s => (int)s.GetTagItem(OperationTracing.StepIndexTag)!).ToList();
        Assert.Equal(done.Plan.Steps.Count, steps.Count);
        Assert.Equal(done.Plan.Steps.Select(s => s.Id), steps.Select(s => s.OperationName));
        for (var i = 0; i < steps.Count; i++)
        {
            var span = steps[i];
            Assert.Equal(operation.SpanId, span.ParentSpanId);
            Assert.Equal(i + 1, span.GetTagItem(OperationTracing.StepIndexTag));
            Assert.Equal(done.Id, span.GetTagItem(OperationTracing.OperationIdTag));
            Assert.Equal("datanode1", span.GetTagItem(OperationTracing.DatanodeTag));
            Assert.Equal(done.Plan.Steps[i].Title, span.GetTagItem(OperationTracing.StepTitleTag));
            Assert.Equal(done.Steps[i].Status.ToString(), span.GetTagItem(OperationTracing.StepStatusTag));
            Assert.Equal(ActivityStatusCode.Ok, span.Status);
            // Within the operation's span, one after the other.
            Assert.True(span.StartTimeUtc >= operation.StartTimeUtc && span.StartTimeUtc + span.Duration <= operation.StartTimeUtc + operation.Duration);
            if (i > 0) Assert.True(span.StartTimeUtc >= steps[i - 1].StartTimeUtc + steps[i - 1].Duration);
        }
    }

    [Fact]
    public async Task A_failed_step_is_an_error_span_and_the_steps_it_stops_have_none()
    {
        // The new master's node refuses SSH: the promote stops at the first step that needs it.
        var service = _lab.Service(new MemoryOperationStore(), new MemoryTopologyStore());
        Operation? done = null;
        var (_, spans) = await TracedAsync(async () =>
        {
            var requested = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;
            _lab.Cluster.DownHosts.Add("node02");
            done = (await service.ApproveAsync(requested.Id, requested.Nonce, OperationLab.Bob, [], default)).Operation!;
        });
        Assert.Equal(OperationState.Failed, done!.State);

        var operation = Assert.Single(spans, s => s.OperationName == "promote");
        Assert.Equal(ActivityStatusCode.Error, operation.Status);
        Assert.Equal(done.Result, operation.StatusDescription);
        var ran = done.Steps.Where(s => s.Status is StepStatus.Succeeded or StepStatus.Failed or StepStatus.Skipped).ToList();
        var steps = spans.Where(s => s != operation).ToList();
        Assert.Equal(ran.Count, steps.Count);
        Assert.True(ran.Count < done.Steps.Count, "later steps did not run");
        var failed = Assert.Single(steps, s => s.Status == ActivityStatusCode.Error);
        var failedStep = Assert.Single(done.Steps, s => s.Status == StepStatus.Failed);
        Assert.Equal(failedStep.Index + 1, failed.GetTagItem(OperationTracing.StepIndexTag));
        Assert.Equal(failedStep.Summary, failed.StatusDescription);
        Assert.Equal("Failed", failed.GetTagItem(OperationTracing.StepStatusTag));
    }

    [Fact]
    public async Task Without_a_listener_nothing_is_traced_and_the_operation_runs_the_same()
    {
        _tracer.Dispose(); // nobody listens to the source now (unless another test does: only this trace is read)
        var service = _lab.Service(new MemoryOperationStore(), new MemoryTopologyStore());
        Operation? done = null;
        var (_, spans) = await TracedAsync(async () =>
        {
            var requested = (await service.RequestAsync("promote", "datanode1", [], OperationLab.Alice, default)).Operation!;
            done = (await service.ApproveAsync(requested.Id, requested.Nonce, OperationLab.Bob, [], default)).Operation!;
        });
        Assert.Equal(OperationState.Succeeded, done!.State);
        Assert.Empty(spans);
    }
}
