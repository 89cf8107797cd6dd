using System.Collections.Concurrent;

namespace PgxcBot.Core.Observation;

/// <summary>
/// Servers that become quick probes while a poll is already under way (<see cref="QuickProbes.Later"/>): the commit
/// watch called a slave silent after the poll had started probing it with the topology's full timeouts. Traced in the
/// monitor benchmark: a freeze that met such a poll waited for it, 0.9-1.2 s of commit stall against 0.45-0.52 s for
/// one that did not. A probe under way that <see cref="For"/> says became quick is given
/// <see cref="QuickProbes.Timeout"/> more from that moment. Thread-safe; one per poll, disposed after it.
/// </summary>
public sealed class QuickProbeSignal : IDisposable
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _signals = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    /// <summary>A token cancelled once <paramref name="endpoint"/> (address:port) becomes a quick probe (at once if it
    /// already has); <see cref="CancellationToken.None"/> after disposal.</summary>
    public CancellationToken For(string endpoint)
    {
        if (_disposed) return CancellationToken.None;
        try
        {
            return _signals.GetOrAdd(endpoint, _ => new CancellationTokenSource()).Token;
        }
        catch (ObjectDisposedException)
        {
            return CancellationToken.None;
        }
    }

    /// <summary>Makes <paramref name="endpoint"/> a quick probe from now on, for this poll.</summary>
    public void Quicken(string endpoint)
    {
        if (_disposed) return;
        try
        {
            _signals.GetOrAdd(endpoint, _ => new CancellationTokenSource()).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The poll ended meanwhile: the next one takes the sighting.
        }
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var signal in _signals.Values) signal.Dispose();
    }
}
