using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// What to do with prepared transactions in doubt on a datanode: /pgxc resolve-2pc when a coordinator made one
/// (the planner then asks every datanode how it ended and applies pgxc_clean's rule, or says why it cannot);
/// otherwise the words for a person, since only the client that prepared a transaction itself knows whether to
/// commit it.
/// </summary>
public static class PreparedAdvice
{
    /// <summary>The step: (text, command or null, label or null).</summary>
    public static (string Text, string? Command, string? Label) Step(string datanode, string masterAt, IReadOnlyList<PreparedTransaction> inDoubt)
    {
        ArgumentNullException.ThrowIfNull(inDoubt);
        if (inDoubt.Count == 0 || inDoubt.Any(t => Runbooks.Planners.TwoPhaseRule.IsImplicit(t.Gid)))
            return ($"/pgxc resolve-2pc {datanode}", $"/pgxc resolve-2pc {datanode}", "Resolve 2PC");
        var first = inDoubt[0];
        var gids = string.Join(", ", inDoubt.Take(3).Select(t => $"'{t.Gid}'"));
        return ($"a client prepared {gids} itself: only it knows whether to commit; its owner ({first.Owner}) decides, on {masterAt} in database {first.Database}: " +
                $"COMMIT PREPARED '{first.Gid}' or ROLLBACK PREPARED '{first.Gid}' (/pgxc resolve-2pc {datanode} finishes one another datanode has already finished)",
            null, null);
    }
}
