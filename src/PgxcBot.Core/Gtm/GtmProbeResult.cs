namespace PgxcBot.Core.Gtm;

/// <summary>
/// The outcome of <see cref="IGtmClient.ProbeAsync"/>: whether the GTM serves transactions right now.
/// </summary>
/// <param name="Status"><see cref="GtmCallStatus.Ok"/> when the GTM answered the probe request.</param>
/// <param name="Elapsed">Wall time of the whole probe (connect, startup, request, answer).</param>
/// <param name="Error">Why it failed, in one sentence; null when <paramref name="Status"/> is Ok.</param>
/// <param name="NextGxid">The next global transaction id the GTM would hand out (read, not consumed); null
/// unless Ok. It only grows while the cluster runs: a value far below an earlier one means a GTM restarted
/// from an old control file.</param>
public sealed record GtmProbeResult(GtmCallStatus Status, TimeSpan Elapsed, string? Error, uint? NextGxid)
{
    /// <summary>True when the GTM answered.</summary>
    public bool IsOk => Status == GtmCallStatus.Ok;
}
