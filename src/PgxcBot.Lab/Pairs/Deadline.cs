using System.Diagnostics;

namespace PgxcBot.Lab.Pairs;

/// <summary>A point on the monotonic clock for poll loops ("until ready or until this long has passed").</summary>
internal readonly record struct Deadline(long Timestamp)
{
    public static Deadline In(TimeSpan span) =>
        new(Stopwatch.GetTimestamp() + (long)(span.TotalSeconds * Stopwatch.Frequency));

    public bool Expired => Stopwatch.GetTimestamp() > Timestamp;
}
