namespace PgxcBot.Hosting;

/// <summary>
/// The status the start-up reconciliation observed, kept for a one-shot command that would otherwise observe the
/// cluster again a moment later (each observation opens or reuses one connection per server). Handed out once:
/// whoever wants the cluster again after that observes it anew.
/// </summary>
public sealed class StartupStatus
{
    private ClusterStatus? _status;

    /// <summary>Keeps <paramref name="status"/> (null: nothing to hand out, e.g. the reconciliation changed a state
    /// or could not observe).</summary>
    public void Keep(ClusterStatus? status) => Interlocked.Exchange(ref _status, status);

    /// <summary>The kept status, once; null when none was kept or it was already taken.</summary>
    public ClusterStatus? Take() => Interlocked.Exchange(ref _status, null);
}
