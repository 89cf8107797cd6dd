using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>
/// Something alert-worthy seen in one poll. <see cref="Key"/> (subject/kind) identifies the incident
/// across polls and restarts, so it never contains anything that changes while the problem lasts.
/// </summary>
/// <param name="Subject">The datanode or coordinator concerned.</param>
/// <param name="Kind">slave-lost, commits-blocked, master-lost, lag, split-brain, ...</param>
/// <param name="Sentences">What happened and what it means, one line each, as the assessment said it.</param>
/// <param name="NextStep">What to do; a /pgxc command when there is one.</param>
/// <param name="Actions">Buttons (e.g. Promote).</param>
public sealed record AlertCandidate(
    string Subject,
    string Kind,
    Severity Severity,
    string Title,
    IReadOnlyList<string> Sentences,
    string NextStep,
    IReadOnlyList<ChatAction> Actions)
{
    public string Key => $"{Subject}/{Kind}";

    /// <summary>The monitor's own rule has already confirmed it over time (<see cref="MasterLossRule"/>): raised at
    /// this sighting, without waiting for <see cref="AlertSettings.FlapPolls"/> polls.</summary>
    public bool RaiseNow { get; init; }
}

/// <summary>The alert kinds (the second half of an incident key). Stable once released.</summary>
public static class AlertKinds
{
    public const string SlaveLost = "slave-lost";
    public const string CommitsBlocked = "commits-blocked";
    public const string Lag = "lag";
    public const string MasterLost = "master-lost";
    public const string SplitBrain = "split-brain";
    public const string NoMaster = "no-master";
    public const string CoordinatorUnreachable = "coordinator-unreachable";
    public const string CoordinatorRoute = "coordinator-route";
    public const string SshLost = "ssh-lost";
    /// <summary>Something makes a master keep WAL it would otherwise recycle (slots, archiving, the directory's size).</summary>
    public const string WalRetention = "wal-retention";
    /// <summary>Prepared transactions left in doubt.</summary>
    public const string PreparedTransactions = "prepared-transactions";

    /// <summary>Every kind, for checking what a person typed (ack, silence).</summary>
    public static IReadOnlyList<string> All { get; } =
        [SlaveLost, CommitsBlocked, Lag, MasterLost, SplitBrain, NoMaster, CoordinatorUnreachable, CoordinatorRoute, SshLost, WalRetention, PreparedTransactions];
}
