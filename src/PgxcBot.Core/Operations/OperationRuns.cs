using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace PgxcBot.Core.Operations;

/// <summary>
/// What this process is running, shared by every <see cref="OperationService"/> of the process (the chat's and
/// the monitor's). The store says which operation is Running and under which runner; this says whether that
/// runner (this process) really still runs it, and keeps what the store could not record.
/// <para>
/// Holds no lock: one operation per pair is the store's rule (checked in the unit of work that creates or
/// resumes one), so nothing here can stay stuck after a failure.
/// </para>
/// </summary>
public sealed class OperationRuns
{
    private readonly ConcurrentDictionary<long, byte> _active = new();
    private readonly ConcurrentDictionary<long, Unrecorded> _unrecorded = new();

    private readonly Func<int, bool>? _processAlive;
    private readonly string? _host;
    private readonly int? _pid;

    /// <param name="runnerId">Who this process is in the store, "host/pid/nonce"; default: this host and
    /// process id and a random nonce, unique per process start.</param>
    /// <param name="processAlive">Whether a process id of this host still runs (given by the host program);
    /// null: unknown, only leases tell.</param>
    public OperationRuns(string? runnerId = null, Func<int, bool>? processAlive = null)
    {
        RunnerId = runnerId ?? $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}";
        _processAlive = processAlive;
        (_host, _pid) = Parse(RunnerId);
    }

    /// <summary>Stored as <see cref="Operation.Runner"/> of the operations this process runs.</summary>
    public string RunnerId { get; }

    /// <summary>How long a runner's claim lasts without renewal. Past it, another process takes the runner
    /// for gone and may mark the operation interrupted; a process that restarts finds its own operations that
    /// way too (its new <see cref="RunnerId"/> differs).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running operation renews its lease (a third of it: two renewals may fail).</summary>
    public TimeSpan RenewEvery => Lease / 3;

    /// <summary>Whether this process is running operation <paramref name="id"/> now.</summary>
    public bool IsActive(long id) => _active.ContainsKey(id);

    internal void Begin(long id) => _active[id] = 0;

    internal void End(long id) => _active.TryRemove(id, out _);

    /// <summary>
    /// Whether the runner of a Running operation is gone: its lease lapsed, it has none (written by an older
    /// bot), it is this process and this process no longer runs it (it stopped when the store failed), or it
    /// is a process of this host known to be gone.
    /// </summary>
    public bool IsAbandoned(Operation operation, DateTimeOffset now) =>
        operation.State == OperationState.Running &&
        (operation.Runner is null || operation.LeaseExpiresAt is not { } lease || lease <= now ||
         (operation.Runner == RunnerId && !IsActive(operation.Id)) || IsGone(operation.Runner));

    /// <summary>
    /// A runner of this host whose process is known to be gone without waiting for its lease: an earlier
    /// incarnation with this same process id (a restarted container is pid 1 again, a restarted bot in one
    /// test process keeps its pid), or a process id that no longer runs.
    /// </summary>
    private bool IsGone(string runner)
    {
        if (runner == RunnerId || _host is null) return false;
        var (host, pid) = Parse(runner);
        if (host != _host || pid is not { } id) return false;
        return id == _pid || (_processAlive is { } alive && !alive(id));
    }

    private static (string? Host, int? Pid) Parse(string runner)
    {
        var parts = runner.Split('/');
        return parts.Length >= 3 && int.TryParse(parts[^2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
            ? (string.Join('/', parts[..^2]), pid)
            : (null, null);
    }

    /// <summary>An outcome the store could not record: written over <see cref="Stored"/> once it can.</summary>
    /// <param name="Stored">What the store holds (the last version it accepted).</param>
    /// <param name="Known">What this process knows happened (the steps that ran, and how it ended).</param>
    /// <param name="Origin">The chat that asked, told the outcome once it is written.</param>
    internal sealed record Unrecorded(Operation Stored, Operation Known, Outbox.ChatOrigin? Origin);

    internal void Park(Operation stored, Operation known, Outbox.ChatOrigin? origin) => _unrecorded[known.Id] = new Unrecorded(stored, known, origin);

    internal IReadOnlyList<Unrecorded> Parked => _unrecorded.Values.OrderBy(u => u.Known.Id).ToArray();

    internal Unrecorded? ParkedFor(long id) => _unrecorded.GetValueOrDefault(id);

    internal void Forget(long id) => _unrecorded.TryRemove(id, out _);
}
