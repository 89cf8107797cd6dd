using PgxcBot.Core.Remote;

namespace PgxcBot.Core.Runbooks;

/// <summary>What a step does, as data: the plan shows it, the executor runs it, the store keeps it.</summary>
public abstract record StepAction
{
    /// <summary>The exact command or SQL, as shown in the plan.</summary>
    public abstract string Text { get; }
}

/// <summary>A shell command on a host of the topology (over SSH, or locally in the lab).</summary>
public sealed record RunCommand(string HostName, ShellCommand Command, IReadOnlyList<int> AcceptedExitCodes) : StepAction
{
    public override string Text => $"[{HostName}]$ {Command.Text}";
}

/// <summary>
/// SQL statements on one server, each in its own autocommit transaction, in order; the first failure
/// stops the rest. Separate statements on purpose: pgxc_pool_reload() refuses to share a transaction
/// with the ALTER NODE before it.
/// </summary>
public sealed record RunSql(SqlTarget Target, IReadOnlyList<string> Statements) : StepAction
{
    public override string Text => string.Join('\n', Statements.Select(s => $"[{Target.Name} {Target.Address}:{Target.Port}{(Target.Database is null ? "" : "/" + Target.Database)}]=# {s};"));
}

/// <summary>Nothing to run: the step only waits for its verification (e.g. "the slave has caught up").</summary>
public sealed record WaitOnly(string What) : StepAction
{
    public override string Text => $"(wait) {What}";
}

/// <summary>
/// Removes a node's registration from the GTM (Postgres-XC/XL), as pgxc_ctl's failover does before it
/// promotes a datanode's slave: the promoted slave registers the same name from its own data directory, and
/// Postgres-XC's GTM, copying a longer path into the old entry, wrote past it and crashed (measured: a
/// general protection fault at the next connection). Spoken over the GTM's own protocol (<see cref="Gtm.IGtmClient"/>).
/// </summary>
public sealed record GtmUnregister(string GtmName, string Address, int Port, Gtm.GtmNodeType Type, string NodeName) : StepAction
{
    public override string Text => $"[{GtmName} {Address}:{Port}] unregister {Type.ToString().ToLowerInvariant()} {NodeName}";
}
