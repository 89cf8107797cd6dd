using PgxcBot.Core.Remote;

namespace PgxcBot.Core.Runbooks;

/// <summary>
/// A question asked of the cluster whose answer is yes or no: "is the old master down?", "does coord1 point
/// datanode1 at node02:20010?". Probes check that a step worked, and on resume whether it is still needed.
/// </summary>
public abstract record Probe(string Description);

/// <summary>Yes when the statement's first row, values joined with '|', equals <see cref="Expected"/>.</summary>
public sealed record SqlProbe(string Description, SqlTarget Target, string Sql, string Expected) : Probe(Description);

/// <summary>Yes when the command exits with one of <see cref="ExpectedExitCodes"/>.</summary>
public sealed record CommandProbe(string Description, string HostName, ShellCommand Command, IReadOnlyList<int> ExpectedExitCodes)
    : Probe(Description);

/// <summary>Yes when nothing accepts SQL connections at the target (refused or timed out): a fenced server.</summary>
public sealed record UnreachableProbe(string Description, SqlTarget Target) : Probe(Description);

/// <summary>Yes when every part says yes; the first "no" is the answer.</summary>
public sealed record AllOf(string Description, IReadOnlyList<Probe> Parts) : Probe(Description);

/// <summary>
/// Yes when the standby has received all the WAL a cleanly stopped master wrote: pg_controldata on the
/// master's data directory says "shut down" and its last (shutdown) checkpoint starts before the
/// standby's receive position (<see cref="ReceiveLsnSql"/>), so the checkpoint record, the last thing the
/// master wrote, is on the standby. This is the switchover's "no commit left behind" check.
/// </summary>
public sealed record WalReceivedProbe(string Description, string HostName, ShellCommand ControlData, SqlTarget Standby, string ReceiveLsnSql)
    : Probe(Description)
{
    /// <summary>For a standby that refuses SQL (stock Postgres-XL): its host and the process-list command whose
    /// WAL receiver title (or end of WAL on disk) says how far it received (<see cref="Servers.ProcessList"/>).</summary>
    public StandbyShell? StandbyByShell { get; init; }
}

/// <summary>Where and how to read a standby's received position over the shell (a record, so it is stored
/// with the plan: a resumed operation runs the approved probe).</summary>
public sealed record StandbyShell(string HostName, ShellCommand Command, string DataDir);
