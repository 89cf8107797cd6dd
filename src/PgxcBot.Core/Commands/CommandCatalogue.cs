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
    public static IReadOnlyList<string> PlannableOperations { get; } = ["promote", "sync", "async", "repoint"];

    private static CommandArgument Datanode(string what) =>
        new("datanode", what, ArgumentKind.Datanode, Required: true);

    public static CommandSpec Status { get; } = new("status",
        "Show each datanode pair, its problems and next steps, and where coordinators route each datanode.",
        [new CommandArgument("datanode", "Only this datanode pair.", ArgumentKind.Datanode, Required: false)],
        [], NeedsApproval: false, Available: true);

    public static CommandSpec Help { get; } = new("help",
        "List the commands, or explain one.",
        [new CommandArgument("command", "The command to explain.", ArgumentKind.Command, Required: false)],
        [], NeedsApproval: false, Available: true);

    public static CommandSpec Plan { get; } = new("plan",
        "Preview the steps an operation would run on a datanode pair, without running anything.",
        [new CommandArgument("operation", "The operation to preview.", ArgumentKind.Choice, Required: true, PlannableOperations),
         Datanode("The datanode pair.")],
        [], NeedsApproval: false, Available: true);

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
        [Datanode("The datanode pair.")], [], NeedsApproval: true, Available: true);

    public static CommandSpec Repoint { get; } = new("repoint",
        "Point every coordinator's pgxc_node entry for the datanode at its current master (ALTER NODE).",
        [Datanode("The datanode to repoint.")], [], NeedsApproval: false, Available: true);

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
        [OperationId("The operation number.")], [], NeedsApproval: false, Available: true);

    public static CommandSpec Resume { get; } = new("resume",
        "Continue an interrupted or failed operation; each remaining step checks the servers first.",
        [OperationId("The operation number.")], [], NeedsApproval: false, Available: true);

    public static CommandSpec History { get; } = new("history",
        "Show past operations (who asked, who approved, each step's result) and recent state changes.",
        [new CommandArgument("datanode", "Only this datanode pair.", ArgumentKind.Datanode, Required: false)],
        [new CommandOption("limit", "How many entries (default 10).", IsFlag: false, IsNumber: true)],
        NeedsApproval: false, Available: true);

    public static IReadOnlyList<CommandSpec> All { get; } =
        [Status, Help, Plan, Promote, Sync, Async, Repoint, Approve, Cancel, Resume, History];

    /// <summary>The command of that name (case-insensitive), or null.</summary>
    public static CommandSpec? Find(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
