using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Advice;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Topology;
using PgxcBot.Monitoring.Health;

namespace PgxcBot.Monitoring;

/// <summary>
/// Polls the whole cluster every <see cref="MonitorSettings.Interval"/>, on the interval's ticks (a slow
/// poll skips ticks; it never drifts and never overlaps itself). Per poll: observe (probe timeouts capped
/// below the interval) → assess with the previous assessment (last master sighting, slave silence) →
/// pair state machines → automatic async / sync switches → incidents → outbox. Blocked commits are acted
/// on at the first poll that sees them; the operation runs beside the loop, so polling goes on.
/// A failing poll is logged and the next one runs as usual.
/// <para>
/// Chat is never waited for: a round's alerts are written to the store's outbox in the same transaction as the
/// incidents they announce (an incident is "notified" exactly when its message is durably queued), and the
/// senders deliver them. A round the store cannot take is kept and written, whole and in order, with the next one.
/// </para>
/// </summary>
public sealed class MonitorService : BackgroundService, IMonitorHealthSource
{
    private readonly TopologyState _topologyState;
    private readonly SharedSnapshotObserver _observer;
    private readonly PairStateTracker _tracker;
    private readonly IMonitorStateStore _store;
    private readonly OutboxAnnouncer _announcer;
    private readonly List<MonitorRound> _unsaved = [];
    private readonly MonitorOperations _operations;
    private readonly MonitorMetrics _metrics;
    private readonly SshWatch _ssh;
    private readonly TimeProvider _time;
    private readonly ILogger<MonitorService> _logger;
    private readonly AlertSettings _settings;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The cycle's memory (incidents, automatic switches and failovers, master outages); set when the stored incidents are loaded.</summary>
    private MonitorCycleState _state = null!;
    private ClusterAssessment? _previous;
    private readonly AssessmentMemory? _memory;
    private readonly MasterSightings _sightings;
    private readonly AdviceSource? _advice;
    private readonly MaintenanceGate _maintenance;
    private readonly ILagHistoryStore? _lagHistory;
    private readonly LagSampler _lagSampler = LagSampler.Default;
    private DateTimeOffset? _lastLagSample;
    private long _polls;
    private long _lastPollTicks = -1;
    private readonly SemaphoreSlim _pollRequests = new(0, 1);
    private readonly ConcurrentDictionary<string, SilentSlaveSighting> _silentSlaves = new(StringComparer.Ordinal);
    private long _lastPollStart;
    private long _lastRequestedPollStart = -1;
    private long _requestedPolls;

    public MonitorService(TopologyState topologyState, SharedSnapshotObserver observer, PairStateTracker tracker, IMonitorStateStore store,
        OutboxAnnouncer announcer, MonitorOperations operations, MonitorMetrics metrics, TimeProvider time, ILogger<MonitorService> logger, SshWatch ssh,
        AssessmentMemory? memory = null, MasterSightings? sightings = null, AdviceSource? advice = null, MaintenanceGate? maintenance = null,
        ILagHistoryStore? lagHistory = null)
    {
        _lagHistory = lagHistory;
        _maintenance = maintenance ?? new MaintenanceGate(time, Microsoft.Extensions.Logging.Abstractions.NullLogger<MaintenanceGate>.Instance);
        _advice = advice;
        _ssh = ssh;
        _sightings = sightings ?? new MasterSightings(null);
        _memory = memory;
        _topologyState = topologyState;
        _observer = observer;
        _tracker = tracker;
        _store = store;
        _announcer = announcer;
        _operations = operations;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _settings = topologyState.Configured.Alerts;
    }

    /// <summary>The latest assessment (null before the first poll).</summary>
    public ClusterAssessment? Latest => _previous;

    /// <summary>Polls completed since start.</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <inheritdoc />
    public DateTimeOffset? LastPollAt => Interlocked.Read(ref _lastPollTicks) is var t and >= 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <inheritdoc />
    public TimeSpan Interval => _topologyState.Configured.Monitor.Interval;

    /// <summary>Completes when the stored incidents are loaded and the first poll is about to run.</summary>
    public Task Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var incidents = await _store.GetActiveIncidentsAsync(stoppingToken).ConfigureAwait(false);
            _state = new MonitorCycleState(_settings, _time, incidents, await _store.GetAsyncSwitchRecordsAsync(stoppingToken).ConfigureAwait(false), _maintenance.Muting);
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: a read cut short (or failing as it was cut short) is the stop.
            return;
        }
        var interval = _topologyState.Configured.Monitor.Interval;
        _logger.LogInformation("Monitor started: polling every {IntervalMs} ms; {Open} incident(s) restored", (int)interval.TotalMilliseconds, _state.Engine.Active.Count);
        _started.TrySetResult();

        // PeriodicTimer ticks on the interval's schedule and coalesces missed ticks: a slow poll delays
        // the next one to the following tick, never shifts the schedule, never runs two polls at once.
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            var tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
            var requested = _pollRequests.WaitAsync(stoppingToken);
            while (true)
            {
                await Task.WhenAny(tick, requested).ConfigureAwait(false);
                if (tick.IsCompleted)
                {
                    if (!await tick.ConfigureAwait(false)) break;
                    tick = timer.WaitForNextTickAsync(stoppingToken).AsTask();
                    // A poll asked for by the commit watch stands in for a tick due right after it: two polls
                    // closer than the stall test's span would hide a frozen slave from it for one more round.
                    if (Interlocked.Read(ref _lastRequestedPollStart) is var at and >= 0 && _time.GetElapsedTime(at) < TickAfterRequestSpacing) continue;
                }
                else
                {
                    await requested.ConfigureAwait(false);
                    requested = _pollRequests.WaitAsync(stoppingToken);
                    // One poll judges it: a missing slave by its absence, a silent one by the watch's measurement.
                    var wait = RequestedPollSpacing - _time.GetElapsedTime(Interlocked.Read(ref _lastPollStart));
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
                    Interlocked.Exchange(ref _lastRequestedPollStart, _time.GetTimestamp());
                    Interlocked.Increment(ref _requestedPolls);
                }
                await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever was under way is the stop, not a failure of the monitor.
        }
        finally
        {
            await Task.WhenAll(_running.Values).ConfigureAwait(false);
            await _ssh.WhenIdleAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks for a poll now, outside the interval's schedule (the fast commit watch saw commits waiting on a
    /// missing or silent slave). The poll judges with the usual rules (a silent slave by the measurement the watch
    /// leaves with <see cref="NoteSilentSlave"/>); requests are coalesced, and a poll starts at least
    /// <see cref="RequestedPollSpacing"/> after the previous one started. Never blocks.
    /// </summary>
    public void RequestPoll(CommitWatchKind kind)
    {
        if (kind == CommitWatchKind.None) return;
        if (_pollRequests.CurrentCount == 0)
        {
            try { _pollRequests.Release(); }
            catch (SemaphoreFullException) { } // another request is already pending: one poll answers both
        }
    }

    /// <summary>
    /// The commit watch's latest measurement for <paramref name="datanode"/>: the slave confirming nothing while
    /// commits wait (<paramref name="sighting"/>), or null when its last sample saw nothing of the kind. The next poll
    /// carries a fresh one in its observation of the pair, where the assessment weighs it (commits blocked by a
    /// silent slave are then judged at the first poll instead of after a 5 s wait). Never blocks.
    /// </summary>
    public void NoteSilentSlave(string datanode, SilentSlaveSighting? sighting)
    {
        if (sighting is null) _silentSlaves.TryRemove(datanode, out _);
        else
        {
            _silentSlaves[datanode] = sighting;
            // A poll under way may be probing that slave with the full timeouts: it is cut short instead of holding
            // the poll the watch asks for (QuickProbeSignal).
            if (_polling is { } polling
                && polling.Topology.Datanodes.FirstOrDefault(p => p.Name == datanode) is { Slave: { } slave } pair && pair.Master.Endpoint == sighting.Master)
                polling.Signal.Quicken(slave.Endpoint);
        }
    }

    /// <summary>The poll under way, if any: its topology and the signal that shortens its probes.</summary>
    private volatile PollUnderWay? _polling;

    private sealed record PollUnderWay(ClusterTopology Topology, QuickProbeSignal Signal);

    /// <summary>The slaves with a fresh silent-slave sighting of their pair's master are probed under
    /// <see cref="QuickProbes.SilentServerTimeout"/>: the sighting alone decides whether their commits are blocked, and
    /// a frozen slave would otherwise hold this poll, and the async switch it decides, for its whole connect timeout.</summary>
    private QuickProbes SilentSlaveProbes(ClusterTopology topology, DateTimeOffset probedAt)
    {
        if (_silentSlaves.IsEmpty) return new QuickProbes(new HashSet<string>(StringComparer.Ordinal), QuickProbes.SilentServerTimeout);
        var endpoints = topology.Datanodes
            .Where(p => p.Slave is not null && _silentSlaves.TryGetValue(p.Name, out var seen) && seen.Master == p.Master.Endpoint
                        && seen.At >= probedAt - SilentSlaveSighting.FreshFor)
            .Select(p => p.Slave!.Endpoint)
            .ToHashSet(StringComparer.Ordinal);
        return new QuickProbes(endpoints, QuickProbes.SilentServerTimeout);
    }

    /// <summary>The snapshot with each pair's fresh silent-slave sighting of the master observed (see
    /// <see cref="SilentSlaveSighting.FreshFor"/>).</summary>
    private ClusterSnapshot WithSilentSlaves(ClusterSnapshot snapshot, DateTimeOffset probedAt)
    {
        if (_silentSlaves.IsEmpty) return snapshot;
        var pairs = snapshot.Pairs.Select(p =>
            _silentSlaves.TryGetValue(p.Datanode, out var seen) && seen.Master == p.Master.Location.Endpoint
                && seen.At >= probedAt - SilentSlaveSighting.FreshFor
                ? p with { SilentSlave = seen }
                : p).ToArray();
        return snapshot with { Pairs = pairs };
    }

    /// <summary>Polls asked for start at least this long after the previous poll.</summary>
    public static readonly TimeSpan RequestedPollSpacing = TimeSpan.FromMilliseconds(100);

    /// <summary>A scheduled tick this soon after a requested poll is skipped: without the watch's measurement, the
    /// stall test compares two polls at least 500 ms apart.</summary>
    public static readonly TimeSpan TickAfterRequestSpacing = TimeSpan.FromMilliseconds(550);

    /// <summary>Polls run because the commit watch asked (outside the schedule).</summary>
    public long RequestedPolls => Interlocked.Read(ref _requestedPolls);

    /// <summary>One poll; public for tests that step the monitor by hand.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        Interlocked.Exchange(ref _lastPollStart, started);
        try
        {
            var topology = await _topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
            // Beside the loop: starts the SSH checks that are due and returns at once.
            _ssh.Tick(topology, _settings.SshCheck, topology.Monitor.Interval, SshTimeout(topology.Monitor), cancellationToken);
            var probedAt = _time.GetUtcNow();
            ClusterSnapshot probed;
            using (var signal = new QuickProbeSignal())
            {
                _polling = new PollUnderWay(topology, signal);
                try
                {
                    probed = await _observer.ObserveFreshAsync(topology, SilentSlaveProbes(topology, probedAt) with { Later = signal }, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _polling = null;
                }
            }
            var snapshot = WithSilentSlaves(probed, probedAt);
            // The evidence a promote is judged by survives a restart: the masters' last sightings.
            var assessment = ClusterAssessor.Assess(topology, snapshot, _previous,
                _previous is null ? await _sightings.StoredAsync(cancellationToken).ConfigureAwait(false) : null);
            _observer.Publish(snapshot, topology);

            var transitions = _previous is null
                ? await _tracker.ReconcileAsync(assessment, cancellationToken).ConfigureAwait(false)
                : await _tracker.ObserveAsync(assessment, cancellationToken).ConfigureAwait(false);
            foreach (var t in transitions)
                _logger.LogInformation("{Datanode}: {From} -> {To}: {Reason}", t.Datanode, t.From, t.To, t.Reason);

            // The one advice: next steps and what the bot's own operations explain (never paged for).
            var advised = _advice is null ? assessment : await _advice.AdviseAsync(topology, assessment, cancellationToken).ConfigureAwait(false);

            // Maintenance windows and owners, as stored now: pairs in maintenance are left out of every automatic action.
            var expired = await _maintenance.RefreshAsync(cancellationToken).ConfigureAwait(false);

            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var observed = new MonitorObservation(topology, snapshot, probedAt, advised, _maintenance.Current)
                {
                    ExpiredMutes = expired,
                    SshCandidates = _ssh.Candidates(topology),
                    SshUndecided = _ssh.Undecided(topology),
                };
                var decision = MonitorCycle.Run(observed, _state);
                // A dead master pages within a second, a paused one is seen answering again before it may page.
                if (decision.PollAgainSoon) RequestPoll(CommitWatchKind.MasterUnanswered);
                if (decision.NoAction) _logger.LogDebug("Monitor: {Decision}", decision.Summary);
                else _logger.LogInformation("Monitor: {Decision}", decision.Summary);
                _maintenance.LogMuted(decision.Muted);
                await ApplyAsync(decision.Changes, cancellationToken).ConfigureAwait(false);
                await _maintenance.ForgetEndedOwnersAsync(_state.Engine, cancellationToken).ConfigureAwait(false);
                foreach (var intent in decision.Operations) Start(intent, cancellationToken);
                foreach (var intent in decision.Failovers) StartFailover(intent, topology, cancellationToken);
            }
            finally
            {
                _gate.Release();
            }
            // After the decision, whose operations are already under way: a blocked commit waits for no store write
            // that only later questions need.
            await SaveSightingsAsync(assessment, cancellationToken).ConfigureAwait(false);
            await SaveLagAsync(assessment, cancellationToken).ConfigureAwait(false);
            _previous = assessment;
            // Shared with chat commands: a promote asked for after the master died is judged by this sighting.
            _memory?.Remember(assessment);
            _metrics.RecordPoll(assessment, _time.GetElapsedTime(started));
            Interlocked.Exchange(ref _lastPollTicks, _time.GetUtcNow().UtcTicks);
            Interlocked.Increment(ref _polls);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: whatever the poll was doing then is the stop, not a failed poll; a probe's own failure included
            // (a probe cut short rethrows what it got, e.g. a DNS error, once the token is cancelled).
            if (e is OperationCanceledException) throw;
            throw new OperationCanceledException("the monitor is stopping", e, cancellationToken);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Monitor poll failed after {ElapsedMs} ms; the next poll runs as scheduled", (int)_time.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Stores the sightings this poll made (masters that answered), one transaction per poll. A
    /// store that cannot write is logged and the poll goes on: the sighting stays in memory.</summary>
    private async Task SaveSightingsAsync(ClusterAssessment assessment, CancellationToken cancellationToken)
    {
        try
        {
            await _sightings.SaveAsync(assessment, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "Could not store the masters' last sightings; they stay in memory until the store can write");
        }
    }

    /// <summary>Keeps a lag sample of each pair every few seconds for the pictures (bounded to the last hour). A store
    /// that cannot write is logged and the poll goes on: a gap in a picture, nothing else.</summary>
    private async Task SaveLagAsync(ClusterAssessment assessment, CancellationToken cancellationToken)
    {
        if (_lagHistory is null) return;
        var now = _time.GetUtcNow();
        var samples = _lagSampler.Take(assessment, now, _lastLagSample);
        if (samples.Count == 0) return;
        _lastLagSample = now;
        try
        {
            await _lagHistory.AppendAsync(samples, now - _lagSampler.Retention, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            _logger.LogWarning("Could not keep the lag samples of this poll: {Reason}; the lag picture will have a gap", e.Message);
        }
    }

    /// <summary>Short: a login that takes longer than this is as good as lost for a runbook step.</summary>
    private static TimeSpan SshTimeout(MonitorSettings monitor) =>
        TimeSpan.FromTicks(Math.Clamp(monitor.ConnectTimeout.Ticks * 2, TimeSpan.FromSeconds(2).Ticks, TimeSpan.FromSeconds(10).Ticks));

    private void Start(AsyncSwitchIntent intent, CancellationToken cancellationToken)
    {
        var key = intent.Datanode;
        var task = Task.Run(() => RunIntentAsync(intent, cancellationToken), CancellationToken.None);
        _running[key] = task;
        _ = task.ContinueWith(_ => _running.TryRemove(new KeyValuePair<string, Task>(key, task)), TaskScheduler.Default);
    }

    private async Task RunIntentAsync(AsyncSwitchIntent intent, CancellationToken cancellationToken)
    {
        MonitorOperationOutcome outcome;
        try
        {
            _logger.LogWarning("Monitor: {Kind} {Datanode} (automatic)", intent.Kind, intent.Datanode);
            var reply = await _operations.Service.RequestAsync(intent.Kind, intent.Datanode, [], MonitorOperations.SystemActor, cancellationToken).ConfigureAwait(false);
            outcome = Outcome(reply);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: an operation cut short here is reported at the next start (OperationService.RecoverAsync).
            return;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Monitor: automatic {Kind} of {Datanode} failed", intent.Kind, intent.Datanode);
            outcome = new MonitorOperationOutcome(false, null, $"{e.GetType().Name}: {e.Message}", _time.GetUtcNow());
        }
        _metrics.OperationRun(intent.Kind, outcome.Succeeded);

        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var slaveLost = _state.Engine.Find(AsyncSwitchAutopilot.KeyFor(intent.Datanode))?.Latest
                ?? (_previous is { } latest ? AlertRules.From(latest).FirstOrDefault(c => c.Key == AsyncSwitchAutopilot.KeyFor(intent.Datanode)) : null);
            var decision = _state.AsyncSwitch.Completed(intent, outcome, slaveLost);
            if (intent.Kind == OperationKinds.Async.Name && outcome.Succeeded && _state.AsyncSwitch.Find(intent.Datanode)?.BlockedFor is { } blocked)
                _metrics.CommitsBlocked(blocked);
            await ApplyAsync(_state.Settle(IncidentRound.Empty, decision), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void StartFailover(FailoverIntent intent, ClusterTopology topology, CancellationToken cancellationToken)
    {
        var key = "failover/" + intent.Datanode;
        var task = Task.Run(() => RunFailoverAsync(intent, topology, cancellationToken), CancellationToken.None);
        _running[key] = task;
        _ = task.ContinueWith(_ => _running.TryRemove(new KeyValuePair<string, Task>(key, task)), TaskScheduler.Default);
    }

    /// <summary>One step of an automatic failover, beside the loop; its result is told under the gate.</summary>
    private async Task RunFailoverAsync(FailoverIntent intent, ClusterTopology topology, CancellationToken cancellationToken)
    {
        var name = intent.Datanode;
        Func<FailoverDecision> told;
        try
        {
            switch (intent.Step)
            {
                case FailoverStep.Propose:
                {
                    var (refusal, fencing) = await CheckFencingAsync(topology, name, cancellationToken).ConfigureAwait(false);
                    long? id = null;
                    if (refusal is null)
                    {
                        var reply = await _operations.ProposeFailoverAsync(name, cancellationToken).ConfigureAwait(false);
                        if (reply.IsRefused || reply.Operation is null) refusal = reply.Refusal ?? "the promote operation could not be created";
                        else if (reply.Operation.State != OperationState.AwaitingApproval) refusal = $"operation {reply.Operation.Id} is {reply.Operation.State}, not awaiting approval";
                        else id = reply.Operation.Id;
                    }
                    if (id is not null) _logger.LogWarning("Monitor: automatic failover of {Datanode} announced (operation {Id}, grace {GraceSeconds} s)", name, id, (int)_settings.FailoverGrace.TotalSeconds);
                    else _logger.LogWarning("Monitor: no automatic failover of {Datanode}: {Reason}", name, refusal);
                    told = () => _state.Failover.Proposed(name, id, refusal, fencing);
                    break;
                }
                case FailoverStep.Approve:
                {
                    _logger.LogWarning("Monitor: grace period over, approving the automatic failover of {Datanode} (operation {Id})", name, intent.OperationId);
                    var outcome = Outcome(await _operations.ApproveFailoverAsync(intent.OperationId!.Value, cancellationToken).ConfigureAwait(false));
                    _metrics.OperationRun(OperationKinds.Promote.Name, outcome.Succeeded);
                    told = () => _state.Failover.Completed(name, outcome);
                    break;
                }
                default:
                {
                    _logger.LogWarning("Monitor: the master of {Datanode} is back, cancelling the automatic failover (operation {Id})", name, intent.OperationId);
                    var reply = await _operations.Service.CancelAsync(intent.OperationId!.Value, MonitorOperations.SystemActor, cancellationToken).ConfigureAwait(false);
                    told = () => _state.Failover.Cancelled(name, !reply.IsRefused, reply.Refusal ?? "");
                    break;
                }
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Monitor: automatic failover step {Step} of {Datanode} failed", intent.Step, name);
            var what = $"unexpected {e.GetType().Name}; see the bot's log";
            told = intent.Step switch
            {
                FailoverStep.Propose => () => _state.Failover.Proposed(name, null, what, ""),
                FailoverStep.Approve => () => _state.Failover.Completed(name, new MonitorOperationOutcome(false, intent.OperationId, what, _time.GetUtcNow())),
                _ => () => _state.Failover.Cancelled(name, false, what),
            };
        }

        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await ApplyAsync(_state.Settle(IncidentRound.Empty, AsyncSwitchDecision.None, told().Notes), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fencing needs the old master's host to run commands: checked now, not from the last SSH check.</summary>
    private async Task<(string? Refusal, string Fencing)> CheckFencingAsync(ClusterTopology topology, string datanode, CancellationToken cancellationToken)
    {
        var pair = topology.FindDatanode(datanode);
        var host = pair is null ? null : topology.FindHost(pair.Master.HostName);
        if (pair is null || host is null) return ($"the host of {datanode}'s master is not in the topology, so it cannot be fenced", "");
        var check = await _ssh.CheckNowAsync(host, SshTimeout(topology.Monitor), cancellationToken).ConfigureAwait(false);
        var via = host.Transport == TransportKind.Ssh ? "SSH" : "local commands";
        return check.Answered
            ? (null, $"The old master's host {host.Name} answers {via}, so the old master can be fenced.")
            : ($"fencing is not possible: {host.Name}, the old master's host, does not answer {via} ({check.Detail.Trim().TrimEnd('.')}), so the old master could come back as a second writable server", "");
    }

    /// <summary>When the operation released commits: the end of its last step that ran (verified), not
    /// the end of the bookkeeping after it.</summary>
    private MonitorOperationOutcome Outcome(OperationReply reply)
    {
        var now = _time.GetUtcNow();
        if (reply.IsRefused || reply.Operation is null)
            return new MonitorOperationOutcome(false, reply.Operation?.Id, $"{reply.Refusal}{(reply.NextStep is null ? "" : $" ({reply.NextStep})")}", now);
        var operation = reply.Operation;
        var finished = operation.Steps.Select(s => s.EndedAt).Where(e => e is not null).Max() ?? now;
        return new MonitorOperationOutcome(operation.State == OperationState.Succeeded, operation.Id,
            operation.Result ?? operation.State.ToString(), finished);
    }

    /// <summary>Counts, routes and stores what a decision changed: the incidents and the messages announcing them in one round.</summary>
    private async Task ApplyAsync(MonitorChanges changes, CancellationToken cancellationToken)
    {
        var notifications = changes.Notifications;
        var changed = changes.Incidents;
        var entries = new List<OutboxEntry>();
        foreach (var notification in notifications)
        {
            if (notification.Kind == NotificationKind.Raised)
            {
                var kind = notification.IncidentKey[(notification.IncidentKey.LastIndexOf('/') + 1)..];
                _metrics.AlertRaised(kind, notification.Message.Severity);
            }
            var routed = _announcer.ForAlert(notification);
            // No chat configured for alerts (a bare host): the log still says it.
            if (routed.Count == 0) _logger.LogWarning("Alert {Kind} {IncidentKey}: {Text}", notification.Kind, notification.IncidentKey, PlainTextRenderer.Render(notification.Message));
            entries.AddRange(routed);
        }

        // The incidents and the messages announcing them are stored together: "notified" means durably queued. The
        // senders deliver them; a crash after this loses nothing, and the nonce keeps a retried post single.
        var toStore = MonitorRound.Merge(_unsaved, new MonitorRound(changed, changes.AsyncSwitches, changes.EndedAsyncSwitches, entries));
        if (toStore.IsEmpty) return;
        try
        {
            await _store.SaveRoundAsync(toStore, cancellationToken).ConfigureAwait(false);
            _unsaved.Clear();
        }
        catch (StoreUnavailableException e)
        {
            // Kept in memory, in order, and written with the next round that the store takes.
            _unsaved.Clear();
            _unsaved.Add(toStore);
            _logger.LogError("Could not store the monitor's round ({Incidents} incident change(s), {Messages} chat message(s)): {Reason}; " +
                             "kept in memory and written as soon as the store can write", toStore.Incidents.Count, toStore.Outbox.Count, e.Message);
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        _pollRequests.Dispose();
        base.Dispose();
    }
}
