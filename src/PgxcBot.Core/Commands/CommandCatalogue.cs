namespace PgxcBot.Core.Commands;

/// <summary>
/// Every chat command the bot knows, in the order help lists them. The console parser, help and (later)
/// Discord slash-command registration are all generated from this one list, so names and descriptions
/// keep to Discord's limits (lower-case names of at most 32 characters, descriptions of 1-100).
/// </summary>
public static class CommandCatalogue
{
    public const string Prefix = "/pgxc";

    /// <summary>Operations that <c>plan</c> can preview.</summary>
    public static IReadOnlyList<string> PlannableOperations { get; } = ["promote", "sync", "async", "repoint", "add-slave", "rebuild", "switchover", "stop", "start", "resolve-2pc"];

    private static CommandArgument Datanode(string what) =>
        new("datanode", what, ArgumentKind.Datanode, Required: true);

    public static CommandSpec Status { get; } = new("status",
        "Show each datanode pair, its problems and next steps, and where coordinators route each datanode.",
        [new CommandArgument("datanode", "Only this datanode pair.", ArgumentKind.Datanode, Required: false)],
        [new CommandOption("chart", "Attach a picture of each pair's replication lag over the last hour.")],
        NeedsApproval: false, Available: true) { ReadOnly = true };

    public static CommandSpec Help { get; } = new("help",
        "List the commands, or explain one.",
        [new CommandArgument("command", "The command to explain.", ArgumentKind.Command, Required: false)],
        [], NeedsApproval: false, Available: true) { ReadOnly = true };

    public static CommandSpec Plan { get; } = new("plan",
        "Preview the steps an operation would run on a datanode pair, without running anything.",
        [new CommandArgument("operation", "The operation to preview.", ArgumentKind.Choice, Required: true, PlannableOperations),
         Datanode("The datanode pair.")],
        [], NeedsApproval: false, Available: true) { ReadOnly = true };

    public static CommandSpec Promote { get; } = new("promote",
        "Fail over: promote a datanode's slave to master, fence the old master, repoint every coordinator.",
        [Datanode("The datanode whose slave becomes master.")],
        [new CommandOption("accept-data-loss",
            "Promote even though the slave was not in sync: commits it never received are lost.")],
        NeedsApproval: true, Available: true);

    public static CommandSpec Sync { get; } = new("sync",
        "Make the slave synchronous again once it streams and has caught up (synchronous_standby_names).",
        [Datanode("The datanode pair.")], [], NeedsApproval: false, Available: true);

    public static CommandSpec Async { get; } = new("async",
        "Switch the master to asynchronous replication so that commits stop waiting for a lost slave.",
        [Datanode("The datanode pair.")], [], NeedsApproval: true, Available: true)
    {
        ApprovalNote = "needs approval only when it lowers durability (a healthy sync slave)",
    };

    public static CommandSpec Repoint { get; } = new("repoint",
        "Point every coordinator and every datanode catalog (pgxc_node) at the datanode's current master.",
        [Datanode("The datanode to repoint.")], [], NeedsApproval: false, Available: true);

    private static CommandOption AsyncOnlyOption { get; } = new("async-only", "Stop at asynchronous replication; do not make the slave synchronous.");

    public static CommandSpec AddSlave { get; } = new("add-slave",
        "Set up the datanode's slave: master settings, pg_hba, base backup, recovery settings, start, sync.",
        [Datanode("The datanode pair whose configured slave is set up.")],
        [new CommandOption("move-aside", "If the slave's data directory is not empty, rename it aside (never deleted)."), AsyncOnlyOption],
        NeedsApproval: true, Available: true);

    public static CommandSpec Rebuild { get; } = new("rebuild",
        "After a promote: make the old master the new slave (pg_rewind or base backup), then sync.",
        [Datanode("The datanode pair whose old master is rebuilt.")],
        [new CommandOption("base-backup", "Take a fresh base backup even when pg_rewind could be used."), AsyncOnlyOption],
        NeedsApproval: true, Available: true);

    public static CommandSpec Switchover { get; } = new("switchover",
        "Planned move of the master to the in-sync slave, losing no commit; the old master becomes the slave.",
        [Datanode("The datanode pair to switch over.")], [], NeedsApproval: true, Available: true);

    public static CommandSpec Stop { get; } = new("stop",
        "Stop a datanode pair safely: asynchronous first, then the master, then the slave.",
        [Datanode("The datanode pair to stop.")], [], NeedsApproval: true, Available: true);

    public static CommandSpec Start { get; } = new("start",
        "Start a datanode pair: the master, then the slave, then synchronous replication again.",
        [Datanode("The datanode pair to start.")], [AsyncOnlyOption], NeedsApproval: true, Available: true);

    public static CommandSpec Resolve2pc { get; } = new("resolve-2pc",
        "Commit or roll back the prepared transactions left in doubt on a datanode, by pgxc_clean's rule.",
        [Datanode("The datanode whose in-doubt prepared transactions are resolved.")], [], NeedsApproval: true, Available: true);

    private static CommandArgument OperationId(string what) =>
        new("operation", what, ArgumentKind.OperationId, Required: true);

    public static CommandSpec Approve { get; } = new("approve",
        "Approve an operation someone else requested; it then runs on a freshly checked plan.",
        [OperationId("The operation number, as the plan message shows it.")],
        [new CommandOption("plan", "The plan version the button was made for (set by the buttons).", IsFlag: false),
         new CommandOption("fencing-unverified",
            "Acknowledge that the old master could not be fenced (its host does not answer SSH).")],
        NeedsApproval: false, Available: true);

    public static CommandSpec Cancel { get; } = new("cancel",
        "Cancel an operation that waits for approval or for resume; says which steps had already run.",
        [OperationId("The operation number.")],
        [new CommandOption("abandon",
            "Close an operation past its point of no return, finished or undone by hand (approvers only).")],
        NeedsApproval: false, Available: true);

    public static CommandSpec Resume { get; } = new("resume",
        "Continue an interrupted or failed operation; each remaining step checks the servers first.",
        [OperationId("The operation number.")], [], NeedsApproval: false, Available: true);

    public static CommandSpec History { get; } = new("history",
        "Show past operations (who asked, who approved, each step's result) and recent state changes.",
        [new CommandArgument("datanode", "Only this datanode pair.", ArgumentKind.Datanode, Required: false)],
        [new CommandOption("limit", "How many entries (default 10).", IsFlag: false, IsNumber: true)],
        NeedsApproval: false, Available: true) { ReadOnly = true };

    public static CommandSpec Timeline { get; } = new("timeline",
        "The incident's story in order: state changes, pages, requests, approvals, steps, blocked commits.",
        [new CommandArgument("datanode", "Only this datanode pair.", ArgumentKind.Datanode, Required: false)],
        [new CommandOption("since", "How far back: 30m, 2h, 1d (default 2h, at most 7d).", IsFlag: false)],
        NeedsApproval: false, Available: true) { ReadOnly = true };

    public static IReadOnlyList<CommandSpec> All { get; } =
        [Status, Help, Plan, Promote, Sync, Async, Repoint, AddSlave, Rebuild, Switchover, Stop, Start, Resolve2pc, Approve, Cancel, Resume, History, Timeline,
         MaintenanceCommands.Maintenance, MaintenanceCommands.Silence, MaintenanceCommands.Ack, MaintenanceCommands.Unack];

    /// <summary>The command of that name (case-insensitive), or null.</summary>
    public static CommandSpec? Find(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
