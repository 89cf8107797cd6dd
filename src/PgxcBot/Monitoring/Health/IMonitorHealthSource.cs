namespace PgxcBot.Monitoring.Health;

/// <summary>What the monitor's health check asks the monitor (<see cref="MonitorService"/>).</summary>
public interface IMonitorHealthSource
{
    /// <summary>When the last poll completed (observe, assess, alert); null before the first.</summary>
    DateTimeOffset? LastPollAt { get; }

    /// <summary>The poll interval.</summary>
    TimeSpan Interval { get; }
}
