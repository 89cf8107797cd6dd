using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>How a prepared transaction stands on one datanode.</summary>
public enum TwoPhaseStatus
{
    /// <summary>Still prepared there (pg_prepared_xacts lists the gid).</summary>
    Prepared,
    /// <summary>Committed there (Postgres-XC/XL: pgxc_is_committed(xid) is true).</summary>
    Committed,
    /// <summary>Rolled back there (pgxc_is_committed(xid) is false).</summary>
    Aborted,
    /// <summary>The node never saw it, or cannot be asked (PostgreSQL has no cluster-wide transaction id).</summary>
    Unknown,
    /// <summary>The node did not answer.</summary>
    Unreachable,
}

/// <summary>What to do with one prepared transaction.</summary>
public enum TwoPhaseOutcome { Commit, Rollback, Leave, Refuse }

/// <summary>One datanode's answer about a prepared transaction, and how it was obtained.</summary>
public sealed record TwoPhaseParticipant(string Datanode, TwoPhaseStatus Status, string How);

/// <summary>The decision for one prepared transaction, with its reason and the participants it rests on.</summary>
public sealed record TwoPhaseDecision(PreparedTransaction Transaction, TwoPhaseOutcome Outcome, string Reason, IReadOnlyList<TwoPhaseParticipant> Participants);

/// <summary>
/// The rule Postgres-XC's pgxc_clean applies to an in-doubt prepared transaction (src/bin/pgxc_clean, txninfo.c
/// check_txn_global_status), by gid over every datanode: a node that does not answer → refuse (nobody can tell
/// how it ended there); committed on some node and rolled back on another → refuse (that should not happen: a
/// person decides); committed somewhere → commit it where it is still prepared; rolled back somewhere → roll it
/// back; still prepared everywhere it is known → leave it, as pgxc_clean does ("Recovery not needed"): its
/// coordinator may still finish it, and a participant that never prepared it (unknown here) would make a commit
/// wrong, while a rollback could undo what a client was already told committed. A person decides those, with
/// the participants' answers in the plan. A node that never saw it (unknown) does not count. Pure.
/// </summary>
public static class TwoPhaseRule
{
    /// <summary>The prefix of the gids Postgres-XC/XL coordinators give their own (implicit) two-phase commits.</summary>
    public const string ImplicitPrefix = "_$XC$";

    public static bool IsImplicit(string gid) => gid.StartsWith(ImplicitPrefix, StringComparison.Ordinal);

    public static TwoPhaseDecision Decide(PreparedTransaction transaction, IReadOnlyList<TwoPhaseParticipant> participants)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(participants);
        string On(TwoPhaseStatus status) => string.Join(", ", participants.Where(p => p.Status == status).Select(p => p.Datanode));
        if (participants.Any(p => p.Status == TwoPhaseStatus.Unreachable))
            return new(transaction, TwoPhaseOutcome.Refuse,
                $"{On(TwoPhaseStatus.Unreachable)} does not answer, so nobody can tell how '{transaction.Gid}' ended there; bring it back first", participants);
        var committed = participants.Any(p => p.Status == TwoPhaseStatus.Committed);
        var aborted = participants.Any(p => p.Status == TwoPhaseStatus.Aborted);
        if (!participants.Any(p => p.Status == TwoPhaseStatus.Prepared))
            return new(transaction, TwoPhaseOutcome.Leave, $"'{transaction.Gid}' is no longer prepared anywhere", participants);
        if (committed && aborted)
            return new(transaction, TwoPhaseOutcome.Refuse,
                $"'{transaction.Gid}' was committed on {On(TwoPhaseStatus.Committed)} and rolled back on {On(TwoPhaseStatus.Aborted)}: that should not happen, a person decides", participants);
        if (committed)
            return new(transaction, TwoPhaseOutcome.Commit, $"committed on {On(TwoPhaseStatus.Committed)}: commit it where it is still prepared ({On(TwoPhaseStatus.Prepared)})", participants);
        if (aborted)
            return new(transaction, TwoPhaseOutcome.Rollback, $"rolled back on {On(TwoPhaseStatus.Aborted)}: roll it back where it is still prepared ({On(TwoPhaseStatus.Prepared)})", participants);
        if (IsImplicit(transaction.Gid))
            return new(transaction, TwoPhaseOutcome.Leave,
                $"a coordinator prepared '{transaction.Gid}' on {On(TwoPhaseStatus.Prepared)} and no node finished it: like pgxc_clean, the bot leaves it (its coordinator may still finish it, " +
                $"and a node that never prepared it would make a commit wrong); a person decides, after the coordinator's log: COMMIT PREPARED or ROLLBACK PREPARED '{transaction.Gid}' " +
                $"in database {transaction.Database}", participants);
        return new(transaction, TwoPhaseOutcome.Leave,
            $"a client prepared '{transaction.Gid}' itself (PREPARE TRANSACTION) and no node finished it: only that client knows whether to commit; its owner {transaction.Owner} decides " +
            $"(COMMIT PREPARED or ROLLBACK PREPARED '{transaction.Gid}' in database {transaction.Database})", participants);
    }
}
