using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// The last time the master of a pair answered as a writable master, carried from one assessment to the
/// next. When the master then disappears, this is what tells whether the slave was in sync (promote
/// loses nothing) or how much WAL it was missing (promote loses at least that much).
/// </summary>
/// <param name="At">Snapshot time when the master last answered.</param>
/// <param name="MasterLsn">pg_current_wal_lsn() then.</param>
/// <param name="SlaveInSync">The slave was streaming as the synchronous standby then.</param>
/// <param name="SlaveFlushLsn">The slave's flush position reported by the master then.</param>
public sealed record MasterSighting(DateTimeOffset At, Lsn? MasterLsn, bool SlaveInSync, Lsn? SlaveFlushLsn);

/// <summary>The previous snapshot's observation of a pair (same master), with when it was taken: what a
/// poll-to-poll comparison (has the slave replied since?) needs.</summary>
public sealed record EarlierObservation(DateTimeOffset At, PairObservation Observation);
