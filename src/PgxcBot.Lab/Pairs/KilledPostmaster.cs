namespace PgxcBot.Lab.Pairs;

/// <summary>One process of a server.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="CommandLine">As ps shows it, e.g. "postgres: pooler process".</param>
public sealed record ServerProcess(int Pid, string CommandLine)
{
    /// <summary>True for the connection pooler of a Postgres-XC/XL server.</summary>
    public bool IsPooler => CommandLine.Contains("pooler", StringComparison.Ordinal);

    /// <summary>True while the process exists (a zombie counts as gone).</summary>
    public bool IsAlive => PosixProcesses.IsAlive(Pid);
}

/// <summary>What <see cref="LabServer.KillPostmasterOnlyAsync"/> killed and what it left running.</summary>
/// <param name="PostmasterPid">The postmaster that received SIGKILL (gone when this is returned).</param>
/// <param name="Children">Its children at the moment of the kill; each notices the loss on its own.</param>
public sealed record KilledPostmaster(int PostmasterPid, IReadOnlyList<ServerProcess> Children)
{
    /// <summary>The connection pooler among the children (XC/XL coordinators, XL datanodes); null where none ran.</summary>
    public ServerProcess? Pooler => Children.FirstOrDefault(c => c.IsPooler);

    /// <summary>Children still alive now.</summary>
    public IReadOnlyList<ServerProcess> Survivors => Children.Where(c => c.IsAlive).ToArray();
}
