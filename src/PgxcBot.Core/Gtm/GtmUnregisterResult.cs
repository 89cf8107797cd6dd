namespace PgxcBot.Core.Gtm;

/// <summary>What <see cref="IGtmClient.UnregisterAsync"/> found and did.</summary>
public enum GtmUnregisterOutcome
{
    /// <summary>The name was registered; the GTM removed it and its list no longer shows it.</summary>
    Unregistered,
    /// <summary>The GTM's list does not show the name (never registered, or already removed): nothing to do.</summary>
    NotRegistered,
    /// <summary>The registration may still be there: the GTM was not reached, did not answer, answered
    /// something unexpected, or refused.</summary>
    Failed,
}

/// <summary>The outcome of <see cref="IGtmClient.UnregisterAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Removed">The registration the GTM held before the unregister (type, host, port, data folder,
/// whether its postmaster was still connected); null unless <paramref name="Outcome"/> is Unregistered.</param>
/// <param name="Elapsed">Wall time of the whole exchange.</param>
/// <param name="Error">Why it failed, in one sentence; null unless Failed.</param>
/// <param name="FailureStatus">How the failing exchange ended; null unless Failed.</param>
public sealed record GtmUnregisterResult(
    GtmUnregisterOutcome Outcome,
    GtmNodeRegistration? Removed,
    TimeSpan Elapsed,
    string? Error,
    GtmCallStatus? FailureStatus)
{
    /// <summary>True when the name is not registered any more (removed now, or was not there).</summary>
    public bool IsGone => Outcome is GtmUnregisterOutcome.Unregistered or GtmUnregisterOutcome.NotRegistered;
}
