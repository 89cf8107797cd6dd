namespace PgxcBot.Tests.Timeline;

/// <summary>
/// One scripted incident of datanode1, written into a real SQLite store through the stores the bot uses: the sync slave
/// is killed (commits blocked 2.5 s until the monitor's async switch), the master is killed 10 min later, alice asks for a
/// promote with --accept-data-loss, tries to approve it herself (refused), bob approves it a minute after the request,
/// three steps run, then alice rebuilds the old master into the new slave (approved by bob). Meanwhile datanode2 has one
/// unrelated transition.
/// </summary>
internal static class ScriptedIncident
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(double seconds) => T0.AddSeconds(seconds);

    public static async Task WriteAsync(SqliteStore store)
    {
        var operations = new SqliteOperationStore(store);
        var incidents = new SqliteMonitorStore(store, TimeProvider.System);
        var refusals = new SqliteRefusalLog(store);

        // The slave is killed: the pair is degraded, commits wait.
        await store.RecordTransitionAsync(new PairTransition("datanode1", At(0), PairState.Sync, PairState.DegradedSlaveLost, PairTrigger.ObservedSlaveLost,
            "The synchronous slave stopped streaming"), default);
        var slaveLost = Incident("datanode1", AlertKinds.SlaveLost, Severity.Critical, "datanode1: slave lost", At(0));
        await incidents.SaveIncidentsAsync([slaveLost], default); // pending: not raised yet, no event
        slaveLost = slaveLost with { Status = IncidentStatus.Open, RaisedAt = At(1), LastNotifiedAt = At(1), LastSeenAt = At(1), ConsecutiveSeen = 2 };
        await incidents.SaveIncidentsAsync([slaveLost], default);

        // The monitor switches the pair to async (operation 1, by the bot itself).
        var async = Op("async", "datanode1", Bot, At(2), [], [Step(0, "Clear synchronous_standby_names", At(2), At(2.5))]) with
        {
            State = OperationState.Succeeded,
            Result = "datanode1 is asynchronous",
            Decisions = [new(DecisionKind.Requested, Bot, At(2)), new(DecisionKind.Started, null, At(2)), new(DecisionKind.Succeeded, null, At(2.5))],
        };
        await operations.CreateAsync(async, default);
        await store.RecordTransitionAsync(new PairTransition("datanode1", At(2.5), PairState.DegradedSlaveLost, PairState.Async, PairTrigger.AsyncEnabled,
            "The bot switched the pair to asynchronous replication"), default);

        // A reminder 5 min after the page.
        slaveLost = slaveLost with { LastNotifiedAt = At(301), LastSeenAt = At(301) };
        await incidents.SaveIncidentsAsync([slaveLost], default);

        // The master is killed.
        await store.RecordTransitionAsync(new PairTransition("datanode1", At(600), PairState.Async, PairState.DegradedMasterLost, PairTrigger.ObservedMasterLost,
            "The master stopped answering"), default);
        var masterLost = Incident("datanode1", AlertKinds.MasterLost, Severity.Critical, "datanode1: master lost", At(600)) with
        {
            Status = IncidentStatus.Open, RaisedAt = At(601), LastNotifiedAt = At(601),
        };
        await incidents.SaveIncidentsAsync([masterLost], default);

        // alice asks for the promote, accepting the loss; bob approves a minute later; three steps.
        var promote = Op("promote", "datanode1", OperationLab.Alice, At(630), [OperationService.AcceptDataLoss],
            [Step(0, "Fence the old master", At(690), At(692)), Step(1, "Promote the slave", At(692), At(697)), Step(2, "Repoint every coordinator", At(697), At(699))],
            warnings: ["DATA LOSS: up to 2 MB of WAL (about 3 s of commits) that the slave never received."]) with
        {
            State = OperationState.Succeeded,
            ApprovedBy = OperationLab.Bob,
            ApprovedAt = At(690),
            Result = "datanode1's master is now the old slave",
            Decisions = [new(DecisionKind.Requested, OperationLab.Alice, At(630)), new(DecisionKind.Approved, OperationLab.Bob, At(690)),
                new(DecisionKind.Started, null, At(690)), new(DecisionKind.Succeeded, null, At(699))],
        };
        var stored = await operations.CreateAsync(promote, default);
        await refusals.RecordAsync(new OperationRefusal(At(640), OperationLab.Alice, $"approve {stored.Id}", "datanode1", stored.Id,
            "you asked for operation 2 yourself: another person must approve it", "ask bob"), default);
        await store.RecordTransitionAsync(new PairTransition("datanode1", At(699), PairState.DegradedMasterLost, PairState.Promoted, PairTrigger.PromoteCompleted,
            "The slave was promoted"), default);
        await incidents.SaveIncidentsAsync([masterLost with { Status = IncidentStatus.Resolving, ClearedAt = At(701), LastSeenAt = At(699) }], default);

        // The rebuild: the old master comes back as the sync slave.
        var rebuild = Op("rebuild", "datanode1", OperationLab.Alice, At(1200), [],
            [Step(0, "Rewind the old master", At(1260), At(1380)), Step(1, "Make it the synchronous standby", At(1380), At(1385))]) with
        {
            State = OperationState.Succeeded,
            ApprovedBy = OperationLab.Bob,
            ApprovedAt = At(1260),
            Result = "datanode1 is in sync again",
            Decisions = [new(DecisionKind.Requested, OperationLab.Alice, At(1200)), new(DecisionKind.Approved, OperationLab.Bob, At(1260)),
                new(DecisionKind.Started, null, At(1260)), new(DecisionKind.Succeeded, null, At(1385))],
        };
        await operations.CreateAsync(rebuild, default);
        await store.RecordTransitionAsync(new PairTransition("datanode1", At(1385), PairState.Promoted, PairState.Sync, PairTrigger.SlaveRebuilt,
            "The old master streams as the synchronous slave"), default);
        await incidents.SaveIncidentsAsync([slaveLost with { Status = IncidentStatus.Resolving, ClearedAt = At(1386), LastSeenAt = At(1385) }], default);

        // Another pair, to prove the filter.
        await store.RecordTransitionAsync(new PairTransition("datanode2", At(100), PairState.Sync, PairState.Async, PairTrigger.ObservedAsync, "other pair"), default);
    }

    public static readonly Actor Bot = new("pgxcbot", "pgxcbot", []);

    private static Incident Incident(string subject, string kind, Severity severity, string title, DateTimeOffset seen) =>
        new($"{subject}/{kind}", IncidentStatus.Pending, new AlertCandidate(subject, kind, severity, title, [], "", []), seen, seen, 1, 0, null, null, null, 0, severity);

    private static StepRecord Step(int index, string title, DateTimeOffset start, DateTimeOffset end) =>
        new(index, "s" + index, title, "node01", "do it", StepStatus.Succeeded, start, end, "verified", null);

    private static Operation Op(string kind, string datanode, Actor by, DateTimeOffset at, IReadOnlyList<string> flags, IReadOnlyList<StepRecord> steps,
        IReadOnlyList<string>? warnings = null) =>
        new(0, kind, datanode, OperationState.AwaitingApproval, by, at, null, null, at.AddMinutes(10), "plan-" + kind,
            new Runbook(kind, datanode, kind, [], warnings ?? [], []), steps, null, flags);
}
