using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Commands;

/// <summary>
/// Every chat command the bot knows, in the order help lists them; the operations' entries come from their rows
/// in <see cref="OperationKinds"/>. The console parser, help and (later)
/// Discord slash-command registration are all generated from this one list, so names and descriptions
/// keep to Discord's limits (lower-case names of at most 32 characters, descriptions of 1-100).
/// </summary>
public static class CommandCatalogue
{
    public const string Prefix = "/pgxc";

    /// <summary>Operations that <c>plan</c> can preview: every row of <see cref="OperationKinds"/>.</summary>
    public static IReadOnlyList<string> PlannableOperations { get; } = OperationKinds.All.Select(k => k.Name).ToArray();

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
         new CommandArgument("datanode", "The datanode pair.", ArgumentKind.Datanode, Required: true)],
        [], NeedsApproval: false, Available: true) { ReadOnly = true };

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
        [Status, Help, Plan, .. OperationKinds.All.Select(k => k.Command), Approve, Cancel, Resume, History, Timeline,
         MaintenanceCommands.Maintenance, MaintenanceCommands.Silence, MaintenanceCommands.Ack, MaintenanceCommands.Unack];

    /// <summary>The command of that name (case-insensitive), or null.</summary>
    public static CommandSpec? Find(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
