using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks;

/// <summary>
/// Which servers keep a runbook session open between operations, and how it is kept. The async switch runs its
/// statements on a datanode's master while commits wait there, and a session opened at that moment first costs the
/// master a backend start (fork, authentication, cold catalog caches). Traced in the monitor benchmark's first trial on
/// the 2-core lab host (PostgreSQL 15): 20 ms to open and 6 ms for the first statement, against about 2 ms for the
/// same statement on a warm session; before this, the pool closed an idle session after a minute, so every switch
/// after a quiet minute paid it.
/// </summary>
public static class RunbookSessions
{
    /// <summary>How often the kept sessions are checked: a session lost with its server (a restart, a failed
    /// statement that emptied the pool) is opened again within this.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromMinutes(1);

    /// <summary>The statement that opens or checks a kept session: it reads no table and changes nothing.</summary>
    public const string CheckSql = "SELECT 1";

    /// <summary>The servers to keep a session on: the master of every datanode in <paramref name="topology"/> (its current
    /// roles), addressed exactly as the runbooks address it, so that the session is the one their statements use.</summary>
    public static IReadOnlyList<SqlTarget> Kept(ClusterTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return topology.Datanodes.Select(Targets.Master).ToArray();
    }
}
