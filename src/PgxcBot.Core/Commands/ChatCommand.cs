using PgxcBot.Core.Operations;

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

/// <summary>
/// <c>/pgxc KIND datanode [--option]...</c>: a request for any operation kind of <see cref="OperationKinds"/>
/// (promote, sync, rebuild, ...). Equal when kind, datanode and flags (in order) are.
/// </summary>
/// <param name="Kind">The row of <see cref="OperationKinds"/> the command names.</param>
/// <param name="Datanode">The configured datanode, as configured (the parser matched it case-insensitively).</param>
/// <param name="Flags">The options given, by name without dashes ("accept-data-loss"), in the order the kind
/// declares them: the planner reads them and the stored operation keeps them.</param>
public sealed record OperationCommand(OperationKind Kind, string Datanode, IReadOnlyList<string> Flags) : ChatCommand(Kind.Command)
{
    /// <summary>True when <paramref name="flag"/> was given.</summary>
    public bool Has(string flag) => Flags.Contains(flag, StringComparer.Ordinal);

    /// <inheritdoc />
    public bool Equals(OperationCommand? other) =>
        other is not null && string.Equals(Kind.Name, other.Kind.Name, StringComparison.Ordinal)
                          && string.Equals(Datanode, other.Datanode, StringComparison.Ordinal) && Flags.SequenceEqual(other.Flags, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind.Name, Datanode, Flags.Count);
}

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
