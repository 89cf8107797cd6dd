using PgxcBot.Core.Commands;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Runbooks.Planners;

namespace PgxcBot.Core.Operations;

/// <summary>When an operation of a kind waits for a second person (unless the configured
/// <see cref="ApprovalPolicy.KindsNeedingApproval"/> leaves its kind out).</summary>
public enum KindApproval
{
    /// <summary>Runs at once: it cannot lower durability or take a server away (sync, repoint).</summary>
    Never,
    /// <summary>Always waits for a second person.</summary>
    Always,
    /// <summary>Waits only when its plan lowers durability (<see cref="Runbooks.Runbook.LowersDurability"/>): the async
    /// switch of a healthy sync slave does, the one that releases commits blocked by a lost slave does not.</summary>
    WhenLowersDurability,
}

/// <summary>What a succeeded operation leaves the pair with, as the bot's records (not the servers) tell it.</summary>
public enum PairOutcome
{
    /// <summary>Nothing the records need to remember.</summary>
    None,
    /// <summary>Both servers stopped on purpose: "no writable master" is expected until a start.</summary>
    Stopped,
    /// <summary>The slave was made master and the old master fenced: it must be rebuilt, never started as it is.</summary>
    OldMasterFenced,
    /// <summary>The pair has a slave streaming from the master again (a rebuilt or added slave, or the old master after a switchover).</summary>
    SlaveInPlace,
}

/// <summary>
/// One operation kind: everything the bot decides by the kind's name, in one row (the model is pg_auto_failover's
/// KeeperFSM[] table: one array of rows drives dispatch, logs and help). The command catalogue, the planner
/// dispatch, the approval policy's defaults, the pair state machine's trigger and every button's colour are read
/// from here, so a new kind is one row in <see cref="OperationKinds"/> plus its planner.
/// </summary>
/// <param name="Name">The command name and the stored <see cref="Operation.Kind"/> (also in custom_ids and stored
/// operations: never rename one).</param>
/// <param name="Description">The command's description (help, Discord: 1-100 characters).</param>
/// <param name="DatanodeArgument">What the command's one datanode argument means.</param>
/// <param name="Options">The command's options; each flag given is passed to the planner under its name.</param>
/// <param name="Planner">Plans it on what the servers show now.</param>
/// <param name="Approval">When it waits for a second person.</param>
/// <param name="Destructive">It takes a server out of service or may discard data on one (stops a server, fences
/// a master, overwrites a data directory): its buttons are red (<see cref="ActionStyle.Danger"/>) everywhere.</param>
/// <param name="OnSuccess">The pair state machine's trigger when it succeeds, or null (the next observation tells).</param>
public sealed record OperationKind(
    string Name,
    string Description,
    string DatanodeArgument,
    IReadOnlyList<CommandOption> Options,
    OperationPlanner Planner,
    KindApproval Approval,
    bool Destructive,
    PairTrigger? OnSuccess)
{
    /// <summary>The catalogue entry: <c>/pgxc NAME &lt;datanode&gt; [--option]...</c>.</summary>
    public CommandSpec Command { get; } = new(Name, Description,
        [new CommandArgument("datanode", DatanodeArgument, ArgumentKind.Datanode, Required: true)], Options,
        NeedsApproval: Approval != KindApproval.Never, Available: true)
    {
        ApprovalNote = Approval == KindApproval.WhenLowersDurability ? "needs approval only when it lowers durability (a healthy sync slave)" : null,
    };

    /// <summary>The colour of every button that requests or approves it (approval message, status, alerts, plan
    /// preview): red when <see cref="Destructive"/>, otherwise blue. One rule, so one kind never shows two colours.</summary>
    public ActionStyle ButtonStyle => Destructive ? ActionStyle.Danger : ActionStyle.Primary;

    /// <summary>What its success leaves the pair with, for the advice (a stopped pair, a fenced old master).</summary>
    public PairOutcome Leaves { get; init; }

    /// <summary>It clears synchronous_standby_names on the master, so no commit waits any more (the timeline ends
    /// a "commits blocked" span at its end).</summary>
    public bool ReleasesCommits { get; init; }

    /// <summary>It releases blocked commits, so it never waits for a person: it runs beside a request awaiting
    /// approval or an interrupted operation of the pair, and the monitor runs it without approval.</summary>
    public bool RunsBesideWaiting { get; init; }

    /// <summary>What is left when only its repoints failed is a <c>/pgxc repoint</c> (the new master works).</summary>
    public bool FinishedByRepoint { get; init; }

    /// <summary>On success its new master is the slave it verified in sync and caught up (the pair state machine's
    /// guard takes that as proven).</summary>
    public bool PromotesInSyncSlave { get; init; }
}

/// <summary>
/// The table of operation kinds, in the order help and <c>/pgxc plan</c> list them. Immutable: every row is
/// built once, at type initialisation.
/// </summary>
public static class OperationKinds
{
    private static CommandOption AsyncOnlyOption { get; } = new(OperationService.AsyncOnly, "Stop at asynchronous replication; do not make the slave synchronous.");

    /// <summary>Fail over to the slave.</summary>
    public static OperationKind Promote { get; } = new("promote",
        "Fail over: promote a datanode's slave to master, fence the old master, repoint every coordinator.",
        "The datanode whose slave becomes master.",
        [new CommandOption(OperationService.AcceptDataLoss, "Promote even though the slave was not in sync: commits it never received are lost.")],
        OperationPlanning.PromoteAsync, KindApproval.Always, Destructive: true, PairTrigger.PromoteCompleted)
    {
        Leaves = PairOutcome.OldMasterFenced, ReleasesCommits = true, FinishedByRepoint = true,
    };

    /// <summary>Make the slave synchronous again.</summary>
    public static OperationKind Sync { get; } = new("sync",
        "Make the slave synchronous again once it streams and has caught up (synchronous_standby_names).",
        "The datanode pair.", [],
        OperationPlanning.Of(c => ReplicationPlanners.Sync(c.Topology, c.Snapshot, c.Datanode)), KindApproval.Never, Destructive: false, PairTrigger.SyncEnabled);

    /// <summary>Stop waiting for the slave.</summary>
    public static OperationKind Async { get; } = new("async",
        "Switch the master to asynchronous replication so that commits stop waiting for a lost slave.",
        "The datanode pair.", [],
        OperationPlanning.Of(c => ReplicationPlanners.Async(c.Topology, c.Snapshot, c.Datanode)), KindApproval.WhenLowersDurability, Destructive: false, PairTrigger.AsyncEnabled)
    {
        ReleasesCommits = true, RunsBesideWaiting = true,
    };

    /// <summary>Point coordinators and catalogs at the current master.</summary>
    public static OperationKind Repoint { get; } = new("repoint",
        "Point every coordinator and every datanode catalog (pgxc_node) at the datanode's current master.",
        "The datanode to repoint.", [],
        OperationPlanning.Of(c => ReplicationPlanners.Repoint(c.Topology, c.Snapshot, c.Datanode)), KindApproval.Never, Destructive: false, OnSuccess: null)
    {
        FinishedByRepoint = true,
    };

    /// <summary>Set up the configured slave.</summary>
    public static OperationKind AddSlave { get; } = new("add-slave",
        "Set up the datanode's slave: master settings, pg_hba, base backup, recovery settings, start, sync.",
        "The datanode pair whose configured slave is set up.",
        [new CommandOption(OperationService.MoveAside, "If the slave's data directory is not empty, rename it aside (never deleted)."), AsyncOnlyOption],
        OperationPlanning.AddSlaveAsync, KindApproval.Always, Destructive: false, PairTrigger.SlaveRebuilt)
    {
        Leaves = PairOutcome.SlaveInPlace,
    };

    /// <summary>Make the old master the new slave.</summary>
    public static OperationKind Rebuild { get; } = new("rebuild",
        "After a promote: make the old master the new slave (pg_rewind or base backup), then sync.",
        "The datanode pair whose old master is rebuilt.",
        [new CommandOption(OperationService.BaseBackup, "Take a fresh base backup even when pg_rewind could be used."), AsyncOnlyOption],
        OperationPlanning.RebuildAsync, KindApproval.Always, Destructive: true, PairTrigger.SlaveRebuilt)
    {
        Leaves = PairOutcome.SlaveInPlace,
    };

    /// <summary>Planned move of the master.</summary>
    public static OperationKind Switchover { get; } = new("switchover",
        "Planned move of the master to the in-sync slave, losing no commit; the old master becomes the slave.",
        "The datanode pair to switch over.", [],
        OperationPlanning.Of(c => SwitchoverPlanner.Plan(c.Topology, c.Snapshot, new LifecycleRequest(c.Datanode))),
        KindApproval.Always, Destructive: true, PairTrigger.PromoteCompleted)
    {
        Leaves = PairOutcome.SlaveInPlace, PromotesInSyncSlave = true,
    };

    /// <summary>Stop a pair.</summary>
    public static OperationKind Stop { get; } = new("stop",
        "Stop a datanode pair safely: asynchronous first, then the master, then the slave.",
        "The datanode pair to stop.", [],
        OperationPlanning.Of(c => StopStartPlanners.Stop(c.Topology, c.Snapshot, new LifecycleRequest(c.Datanode))),
        KindApproval.Always, Destructive: true, OnSuccess: null)
    {
        Leaves = PairOutcome.Stopped, ReleasesCommits = true,
    };

    /// <summary>Start a pair.</summary>
    public static OperationKind Start { get; } = new("start",
        "Start a datanode pair: the master, then the slave, then synchronous replication again.",
        "The datanode pair to start.", [AsyncOnlyOption],
        OperationPlanning.Of(c => StopStartPlanners.Start(c.Topology, c.Snapshot, new LifecycleRequest(c.Datanode, AsyncOnly: c.Has(OperationService.AsyncOnly)))),
        KindApproval.Always, Destructive: false, OnSuccess: null);

    /// <summary>Finish in-doubt prepared transactions.</summary>
    public static OperationKind Resolve2pc { get; } = new("resolve-2pc",
        "Commit or roll back the prepared transactions left in doubt on a datanode, by pgxc_clean's rule.",
        "The datanode whose in-doubt prepared transactions are resolved.", [],
        OperationPlanning.Resolve2pcAsync, KindApproval.Always, Destructive: false, OnSuccess: null);

    /// <summary>Every kind, in the order help and <c>/pgxc plan</c> list them.</summary>
    public static IReadOnlyList<OperationKind> All { get; } = [Promote, Sync, Async, Repoint, AddSlave, Rebuild, Switchover, Stop, Start, Resolve2pc];

    /// <summary>The kind named <paramref name="name"/> (exact, as stored), or null for anything else.</summary>
    public static OperationKind? Find(string? name) => All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// The colour of a button that runs <paramref name="command"/>: the <see cref="OperationKind.ButtonStyle"/> of
    /// <paramref name="approvesKind"/> (an Approve of an operation of that kind), else of the kind the command names
    /// (<c>/pgxc KIND ...</c>), else <paramref name="otherwise"/> (status, cancel, ...).
    /// </summary>
    public static ActionStyle ButtonStyleFor(string command, string? approvesKind, ActionStyle otherwise)
    {
        ArgumentNullException.ThrowIfNull(command);
        return (Find(approvesKind) ?? Find(command.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [CommandCatalogue.Prefix, var verb, ..] ? verb : null))?.ButtonStyle
               ?? otherwise;
    }
}
