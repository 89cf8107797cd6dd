using System.Globalization;
using System.Net.Http.Headers;

namespace PgxcBot.Discord.Rest;

/// <summary>
/// Rate limits as Discord describes them in the response headers: routes map to buckets
/// (<c>X-RateLimit-Bucket</c>), each bucket per major parameter has a remaining count and a reset time
/// (<c>X-RateLimit-Remaining</c>, <c>X-RateLimit-Reset-After</c>). Nothing is hard-coded; a route not seen yet
/// is sent and learnt from its answer. A global 429 pauses every request that is not an interaction response.
/// </summary>
internal sealed class RateLimitBuckets(TimeProvider time)
{
    private sealed class Bucket
    {
        public int? Remaining;
        public DateTimeOffset ResetAt;
    }

    private readonly Dictionary<string, string> _routeToBucket = new(StringComparer.Ordinal);
    // A 429 on a route whose bucket the answer did not name: that route (and major parameter) waits on its own.
    private readonly Dictionary<string, DateTimeOffset> _routeUntil = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private DateTimeOffset _globalUntil = DateTimeOffset.MinValue;
    private readonly Lock _lock = new();

    /// <summary>How long to wait before <paramref name="route"/> may be sent; when zero, a slot is taken.</summary>
    public TimeSpan Reserve(DiscordRoute route)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!route.ExemptFromGlobal && now < _globalUntil) return _globalUntil - now;
            if (_routeUntil.TryGetValue(route.RouteKey + "|" + route.Major, out var routeUntil))
            {
                if (now < routeUntil) return routeUntil - now;
                _routeUntil.Remove(route.RouteKey + "|" + route.Major);
            }
            if (!_routeToBucket.TryGetValue(route.RouteKey, out var hash)) return TimeSpan.Zero;
            if (!_buckets.TryGetValue(hash + "|" + route.Major, out var bucket)) return TimeSpan.Zero;
            if (now >= bucket.ResetAt)
            {
                bucket.Remaining = null; // the window passed: unknown until the next answer says
                return TimeSpan.Zero;
            }
            if (bucket.Remaining is 0) return bucket.ResetAt - now;
            if (bucket.Remaining is { } left) bucket.Remaining = left - 1;
            return TimeSpan.Zero;
        }
    }

    /// <summary>Learns the bucket of <paramref name="route"/> from an answer's headers.</summary>
    public void Learn(DiscordRoute route, HttpResponseHeaders headers)
    {
        var hash = Header(headers, "X-RateLimit-Bucket");
        if (hash is null) return;
        var remaining = int.TryParse(Header(headers, "X-RateLimit-Remaining"), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : (int?)null;
        var resetAfter = double.TryParse(Header(headers, "X-RateLimit-Reset-After"), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0;
        lock (_lock)
        {
            _routeToBucket[route.RouteKey] = hash;
            if (_buckets.Count > 4096) Prune();
            var key = hash + "|" + route.Major;
            if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket();
            bucket.Remaining = remaining;
            bucket.ResetAt = time.GetUtcNow() + TimeSpan.FromSeconds(resetAfter);
        }
    }

    /// <summary>
    /// A 429: for a global one every non-exempt request waits; for a route one the bucket is empty for exactly
    /// <paramref name="retryAfter"/>, Discord's own answer to "when may I try again" (the window the 429's headers
    /// describe may be longer: waiting it out would slow every retry for nothing).
    /// </summary>
    public void Limited(DiscordRoute route, TimeSpan retryAfter, bool global)
    {
        lock (_lock)
        {
            var until = time.GetUtcNow() + retryAfter;
            if (global)
            {
                if (until > _globalUntil) _globalUntil = until;
                return;
            }
            if (_routeToBucket.TryGetValue(route.RouteKey, out var hash) && _buckets.TryGetValue(hash + "|" + route.Major, out var bucket))
            {
                bucket.Remaining = 0;
                bucket.ResetAt = until;
            }
            else
            {
                _routeUntil[route.RouteKey + "|" + route.Major] = until;
            }
        }
    }

    // Interaction tokens make a new bucket each; forget those whose window is long over.
    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var key in _buckets.Where(b => now - b.Value.ResetAt > TimeSpan.FromMinutes(1)).Select(b => b.Key).ToArray())
            _buckets.Remove(key);
        foreach (var key in _routeUntil.Where(r => now > r.Value).Select(r => r.Key).ToArray())
            _routeUntil.Remove(key);
    }

    internal static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
