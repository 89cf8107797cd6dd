using Microsoft.Extensions.Logging;
using PgxcBot.Core.Replicas;

namespace PgxcBot.Replicas;

/// <summary>
/// Keeps this replica's view of the leader lease: renews it every <see cref="RenewInterval"/> while active, tries to
/// take it every <see cref="RenewInterval"/> while standby. It is the store's <see cref="IWriteFence"/>: the token is
/// handed out only while the last grant is valid by this process's monotonic clock (counted from before the renew
/// was sent, so never longer than the store's own expiry), and the store re-checks it against the lease row at
/// every write. <see cref="ActiveToken"/> is cancelled the moment this replica stops being active (renewal refused,
/// or the grant ran out while the store did not answer), so the work it started stops.
/// </summary>
public sealed partial class LeaderElector(ILeaderLease lease, TimeProvider time, ILogger<LeaderElector> logger) : IWriteFence
{
    private readonly Lock _gate = new();
    private LeaseToken? _token;
    private long _validUntil;
    private DateTimeOffset? _since;
    private CancellationTokenSource _active = CreateCancelled();
    private TaskCompletionSource _becameActive = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This replica's id.</summary>
    public string ReplicaId => lease.ReplicaId;

    /// <summary>A third of the lease, as Patroni renews its leader key every loop_wait = ttl/3.</summary>
    public TimeSpan RenewInterval => lease.Duration == Timeout.InfiniteTimeSpan ? TimeSpan.FromMinutes(1) : lease.Duration / 3;

    /// <inheritdoc />
    public LeaseToken? Current
    {
        get
        {
            lock (_gate) return _token is not null && time.GetTimestamp() < _validUntil ? _token : null;
        }
    }

    /// <summary>Whether this replica is active now.</summary>
    public bool IsActive => Current is not null;

    /// <summary>When this replica became active (store clock), while it is.</summary>
    public DateTimeOffset? ActiveSince
    {
        get
        {
            lock (_gate) return _token is null ? null : _since;
        }
    }

    /// <summary>Cancelled when this replica stops being active; already cancelled while it is standby.</summary>
    public CancellationToken ActiveToken
    {
        get
        {
            lock (_gate) return _active.Token;
        }
    }

    /// <summary>Completes when this replica becomes active (at once if it is).</summary>
    public Task WaitUntilActiveAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return _becameActive.Task.WaitAsync(cancellationToken);
    }

    /// <summary>One round: renew or try to take the lease, and step down when that is refused or the grant ran out.
    /// Returns whether this replica is active afterwards. Store failures are logged, never thrown.</summary>
    public async Task<bool> TickAsync(CancellationToken cancellationToken)
    {
        long? held;
        bool lapsed;
        lock (_gate)
        {
            held = _token?.Epoch;
            lapsed = _token is not null && time.GetTimestamp() >= _validUntil;
        }
        if (lapsed)
        {
            // Its writes have been refused since the grant ran out, so whatever this turn was doing may have stopped
            // half-way: end the turn (its work is cancelled). If the renewal below still finds the row under the epoch
            // held, a new turn starts, whose takeover resumes what stopped; else another replica has it.
            StepDown("its lease ran out before it was renewed (this process was paused or starved of CPU)");
        }
        var sentAt = time.GetTimestamp();
        LeaseGrant? grant;
        try
        {
            grant = await lease.TryAcquireOrRenewAsync(held, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStoreFailed(logger, e.Message);
            // Keep acting until the last grant runs out: the store may be back before then.
            if (Current is null && held is not null) StepDown("the store did not answer while the lease ran out");
            return Current is not null;
        }
        if (grant is null)
        {
            if (held is not null) StepDown("another replica holds the lease");
            return false;
        }
        bool took;
        lock (_gate)
        {
            took = _token is null || _token.Epoch != grant.Epoch;
            _token = new LeaseToken(lease.ReplicaId, grant.Epoch);
            _validUntil = lease.Duration == Timeout.InfiniteTimeSpan ? long.MaxValue
                : sentAt + (long)(lease.Duration.TotalSeconds * time.TimestampFrequency);
            if (took)
            {
                _since = grant.AcquiredAt;
                _active.Dispose();
                _active = new CancellationTokenSource();
                _becameActive.TrySetResult();
            }
        }
        if (took) LogActive(logger, lease.ReplicaId, grant.Epoch);
        return true;
    }

    /// <summary>Stops being active: cancels <see cref="ActiveToken"/> and forgets the token.</summary>
    public void StepDown(string why)
    {
        CancellationTokenSource old;
        lock (_gate)
        {
            if (_token is null) return;
            LogSteppedDown(logger, lease.ReplicaId, _token.Epoch, why);
            _token = null;
            _since = null;
            old = _active;
            _active = CreateCancelled();
            _becameActive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.Cancel();
        old.Dispose();
    }

    /// <summary>Gives the lease up (clean shutdown) so the other replica takes over at its next try.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        long? held;
        lock (_gate) held = _token?.Epoch;
        StepDown("this replica is shutting down");
        if (held is { } epoch) await lease.ReleaseAsync(epoch, cancellationToken).ConfigureAwait(false);
    }

    private static CancellationTokenSource CreateCancelled()
    {
        var source = new CancellationTokenSource();
        source.Cancel();
        return source;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica} is now ACTIVE (lease epoch {Epoch}): it runs the monitor, runbooks, chat and outbox")]
    private static partial void LogActive(ILogger logger, string replica, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica {Replica} stepped down from lease epoch {Epoch}: {Why}; it is standby now")]
    private static partial void LogSteppedDown(ILogger logger, string replica, long epoch, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The leader lease could not be renewed or taken: {Error}")]
    private static partial void LogStoreFailed(ILogger logger, string error);
}
