using Microsoft.Extensions.Logging;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store;

/// <summary>
/// A store's memory of its last failed write, kept until a write succeeds (the health check reports a full disk or a
/// refused write even while connecting still works), and the logged <see cref="StoreUnavailableException"/> for a
/// failed read or write. Safe from several tasks.
/// </summary>
internal sealed class WriteHealth(ILogger logger, string subject)
{
    private readonly Lock _lock = new();
    private string? _failure;

    /// <summary>Why the last write failed, while no write has succeeded since; null when the store writes.</summary>
    public string? Failure
    {
        get
        {
            lock (_lock) return _failure;
        }
    }

    /// <summary>The exception for a failed read or write of <paramref name="what"/>: "{subject} could not write {what}: {why}".</summary>
    public StoreUnavailableException Unavailable(string what, string why, Exception e, bool write)
    {
        if (write)
        {
            lock (_lock) _failure = why;
        }
        logger.LogError(e, "{Store}: could not {Action} {What}: {Why}", subject, write ? "write" : "read", what, why);
        return new StoreUnavailableException($"{subject} could not {(write ? "write" : "read")} {what}: {why}", e);
    }

    /// <summary>Forgets the remembered failure.</summary>
    public void Succeeded()
    {
        lock (_lock) _failure = null;
    }
}
