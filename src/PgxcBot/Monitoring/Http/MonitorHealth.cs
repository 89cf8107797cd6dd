namespace PgxcBot.Monitoring.Http;

/// <summary>What the health endpoint asks the monitor.</summary>
public interface IMonitorHealthSource
{
    /// <summary>When the last poll completed (observe, assess, alert); null before the first.</summary>
    DateTimeOffset? LastPollAt { get; }

    /// <summary>The poll interval.</summary>
    TimeSpan Interval { get; }
}

/// <summary>Whether the bot can still do its job: it polls, and it can store what it decides.</summary>
/// <param name="Reason">One line, for a person reading <c>curl</c> output or a probe's event.</param>
public sealed record HealthVerdict(bool Healthy, string Reason);

public static class MonitorHealth
{
    /// <summary>Polls older than this many intervals mean the monitor is stuck.</summary>
    public const int MaxIntervals = 3;

    /// <param name="storeProblem">Null when the store is writable, else why not.</param>
    public static HealthVerdict Judge(DateTimeOffset? lastPollAt, TimeSpan interval, DateTimeOffset now, string? storeProblem)
    {
        if (lastPollAt is not { } last)
            return new HealthVerdict(false, "no poll has finished yet: the monitor is starting, or its first poll fails (see the bot's log)");
        var age = now - last;
        if (age > interval * MaxIntervals)
            return new HealthVerdict(false,
                $"the last poll finished {Seconds(age)} s ago, more than {MaxIntervals} intervals of {Seconds(interval)} s: the monitor is stuck or its polls fail (see the bot's log)");
        if (storeProblem is not null)
            return new HealthVerdict(false, storeProblem + ": incidents and operations cannot be recorded");
        return new HealthVerdict(true, $"ok: last poll {Seconds(age)} s ago, store writable");
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}
