namespace PgxcBot.Core.Replicas;

/// <summary>
/// The leader lease a replica holds: <paramref name="Holder"/> is the replica id (config <c>replica.id</c>),
/// <paramref name="Epoch"/> the lease's generation, raised by one at every change of holder. The shared store accepts
/// a write only when the stored lease still names this holder and epoch (the fencing token), so a replica that
/// slept through a takeover cannot write with its old epoch.
/// </summary>
public sealed record LeaseToken(string Holder, long Epoch);

/// <summary>The token the store checks writes against. <see cref="Current"/> is null while this replica is not the
/// leader: the store then refuses its writes of bot state (its own heartbeat excepted).</summary>
public interface IWriteFence
{
    /// <summary>The lease this replica holds now, or null.</summary>
    LeaseToken? Current { get; }
}

/// <summary>
/// A write was refused because the replica making it no longer holds the leader lease with that epoch (another
/// replica took over while it was paused, cut off or slow). Nothing of the write happened; the replica must step
/// down. Carried as the inner exception of <see cref="Operations.StoreUnavailableException"/>, which every caller
/// already treats as "this change was not stored".
/// </summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException() : this("this replica does not hold the leader lease") { }
    public LeaseLostException(string message) : base(message) { }
    public LeaseLostException(string message, Exception innerException) : base(message, innerException) { }
}
