namespace PgxcBot.Core.Topology;

/// <summary>The <c>alerts</c> section as written; <see cref="ConfigValidator"/> turns it into
/// <see cref="Monitoring.AlertSettings"/>.</summary>
public sealed class AlertOptions
{
    /// <summary>auto (default) | ask | off: switch a sync pair to async when its lost slave blocks commits
    /// (<see cref="Monitoring.AlertSettings.AsyncSwitchPolicy"/>; the key keeps its first name so that configs keep working).</summary>
    public string? DegradePolicy { get; set; }
    /// <summary>auto (default) | ask | off: switch back to sync once the slave the monitor switched to async has caught up
    /// (<see cref="Monitoring.AlertSettings.SyncSwitchPolicy"/>).</summary>
    public string? ResyncPolicy { get; set; }
    /// <summary>Consecutive polls before a problem alerts (default 2).</summary>
    public int? FlapPolls { get; set; }
    /// <summary>Minutes between reminders of an open incident (default 30).</summary>
    public double? ReminderMinutes { get; set; }
    /// <summary>A problem back within this many minutes of clearing is the same incident (default 10).</summary>
    public double? ReopenWindowMinutes { get; set; }
    /// <summary>Automatic failover of a lost master's in-sync slave after <see cref="GraceSeconds"/>, when fencing is possible (default false).</summary>
    public bool? AutoFailover { get; set; }
    /// <summary>Grace period announced before an automatic failover (default 30).</summary>
    public double? GraceSeconds { get; set; }
    /// <summary>Seconds between SSH checks of each host with transport ssh (default 30).</summary>
    public double? SshCheckSeconds { get; set; }
}
