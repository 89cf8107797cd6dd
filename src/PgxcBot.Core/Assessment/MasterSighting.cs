using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// The last time the master of a pair answered as a writable master, and what it proved then. Carried
/// from one assessment to the next and kept in the store: once the master is gone, this (with the slave's
/// own received position read now) is the only evidence of whether the slave has every acknowledged commit.
/// </summary>
/// <param name="At">Snapshot time when the master last answered.</param>
/// <param name="MasterLsn">pg_current_wal_lsn() then (the write position).</param>
/// <param name="SlaveInSync">Every commit acknowledged then had to be confirmed by the slave: its own WAL
/// sender (identified by address and name) was a synchronous standby the rule could not do without
/// (<see cref="SyncRequirement.SlaveNeeded"/>).</param>
/// <param name="SlaveFlushLsn">What the slave's WAL sender had confirmed as flushed then.</param>
public sealed record MasterSighting(DateTimeOffset At, Lsn? MasterLsn, bool SlaveInSync, Lsn? SlaveFlushLsn)
{
    /// <summary>The master's flushed position then: every commit acknowledged by then is at or before it.</summary>
    public Lsn? MasterFlushLsn { get; init; }

    /// <summary>address:port of the master that was seen (a sighting of one server says nothing about another).</summary>
    public string? MasterEndpoint { get; init; }

    /// <summary>Why <see cref="SlaveInSync"/> is what it is, as a sentence with the setting and the WAL sender.</summary>
    public string? SyncBasis { get; init; }

    /// <summary>The position every acknowledged commit was at or before: the flush position, else the write position.</summary>
    public Lsn? AcknowledgedUpTo => MasterFlushLsn ?? MasterLsn;
}

/// <summary>The previous snapshot's observation of a pair (same master), with when it was taken: what a
/// poll-to-poll comparison (has the slave replied since?) needs.</summary>
public sealed record EarlierObservation(DateTimeOffset At, PairObservation Observation);
