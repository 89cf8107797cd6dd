namespace PgxcBot.Core.Commands;

/// <summary>A parsed, checked chat command. <see cref="Spec"/> links back to the catalogue entry.</summary>
public abstract record ChatCommand(CommandSpec Spec);

/// <summary><c>/pgxc status [datanode]</c>; <see cref="Datanode"/> null means all pairs.</summary>
/// <param name="Chart">--chart: a picture of each pair's replication lag over the last hour goes with the answer
/// (where the chat can show one).</param>
public sealed record StatusCommand(string? Datanode, bool Chart = false) : ChatCommand(CommandCatalogue.Status);

/// <summary><c>/pgxc help [command]</c>; <see cref="Topic"/> is the catalogue name, or null for the list.</summary>
public sealed record HelpCommand(string? Topic) : ChatCommand(CommandCatalogue.Help);

public sealed record PlanCommand(string Operation, string Datanode) : ChatCommand(CommandCatalogue.Plan);

/// <summary><c>/pgxc promote datanode [--accept-data-loss]</c>.</summary>
public sealed record PromoteCommand(string Datanode, bool AcceptDataLoss) : ChatCommand(CommandCatalogue.Promote);

public sealed record SyncCommand(string Datanode) : ChatCommand(CommandCatalogue.Sync);

public sealed record AsyncCommand(string Datanode) : ChatCommand(CommandCatalogue.Async);

public sealed record RepointCommand(string Datanode) : ChatCommand(CommandCatalogue.Repoint);

/// <summary><c>/pgxc add-slave datanode [--move-aside] [--async-only]</c>.</summary>
public sealed record AddSlaveCommand(string Datanode, bool MoveAside, bool AsyncOnly) : ChatCommand(CommandCatalogue.AddSlave);

/// <summary><c>/pgxc rebuild datanode [--base-backup] [--async-only]</c>.</summary>
public sealed record RebuildCommand(string Datanode, bool BaseBackup, bool AsyncOnly) : ChatCommand(CommandCatalogue.Rebuild);

public sealed record SwitchoverCommand(string Datanode) : ChatCommand(CommandCatalogue.Switchover);

public sealed record StopCommand(string Datanode) : ChatCommand(CommandCatalogue.Stop);

/// <summary><c>/pgxc start datanode [--async-only]</c>.</summary>
public sealed record StartCommand(string Datanode, bool AsyncOnly) : ChatCommand(CommandCatalogue.Start);

/// <summary>Finish the prepared transactions left in doubt on a datanode, by pgxc_clean's rule.</summary>
public sealed record Resolve2pcCommand(string Datanode) : ChatCommand(CommandCatalogue.Resolve2pc);

/// <summary><c>/pgxc approve N [--plan NONCE] [--fencing-unverified]</c>.</summary>
public sealed record ApproveCommand(long OperationId, string? PlanNonce, IReadOnlyList<string> Acknowledgements) : ChatCommand(CommandCatalogue.Approve);

public sealed record CancelCommand(long OperationId, bool Abandon = false) : ChatCommand(CommandCatalogue.Cancel);

public sealed record ResumeCommand(long OperationId) : ChatCommand(CommandCatalogue.Resume);

public sealed record HistoryCommand(string? Datanode, int Limit) : ChatCommand(CommandCatalogue.History)
{
    public const int DefaultLimit = 10;
}

/// <summary><c>/pgxc timeline [datanode] [--since 2h]</c>: every stored event of the window, oldest first.</summary>
/// <param name="Datanode">Only this pair; null: the whole cluster.</param>
/// <param name="Since">How far back (default <see cref="DefaultSince"/>, at most 7 days).</param>
/// <param name="SinceText">The window as the reader wrote it ("2h"), for the title.</param>
public sealed record TimelineCommand(string? Datanode, TimeSpan Since, string SinceText) : ChatCommand(CommandCatalogue.Timeline)
{
    public static readonly TimeSpan DefaultSince = TimeSpan.FromHours(2);
}
