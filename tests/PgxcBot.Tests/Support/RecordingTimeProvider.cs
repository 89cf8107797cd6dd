namespace PgxcBot.Tests.Support;

/// <summary>
/// The system clock, noting every wait asked of it (the due time of each timer created: <c>Task.Delay</c> on this
/// provider creates one). A test asserts how long the code chose to wait, which load on the host cannot change, where
/// the wall-clock time between two events only has a lower bound a loaded host keeps.
/// </summary>
internal sealed class RecordingTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<TimeSpan> _waits = [];

    /// <summary>The due times asked for, in order (infinite ones included).</summary>
    public IReadOnlyList<TimeSpan> Waits { get { lock (_gate) return [.. _waits]; } }

    /// <summary>How many waits have been asked for so far: a test's mark, to take only those asked after it.</summary>
    public int Count { get { lock (_gate) return _waits.Count; } }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow();

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => System.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate) _waits.Add(dueTime);
        return System.CreateTimer(callback, state, dueTime, period);
    }
}
