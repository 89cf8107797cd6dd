namespace PgxcBot.Core.Monitoring;

/// <summary>What the monitor does by itself when it can: act at once, offer a button, or only alert.</summary>
public enum AutomationPolicy
{
    /// <summary>Act without asking, then say what was done.</summary>
    Auto,
    /// <summary>Alert with a button that does it; a person decides.</summary>
    Ask,
    /// <summary>Only alert.</summary>
    Off,
}

/// <summary>
/// How alerts behave and what the monitor may do by itself, validated from the <c>alerts</c> section.
/// </summary>
/// <param name="AsyncSwitchPolicy">When a sync pair's commits block because its slave is lost: switch to async
/// (config key <c>alerts.degradePolicy</c>, its name since the first release).</param>
/// <param name="SyncSwitchPolicy">When a slave the monitor switched to async is streaming and caught up again: switch
/// back to sync (config key <c>alerts.resyncPolicy</c>).</param>
/// <param name="FlapPolls">Consecutive polls a problem must be seen before it alerts (and absent before it clears).</param>
/// <param name="Reminder">How often an open incident is repeated.</param>
/// <param name="ReopenWindow">A problem that returns within this time of clearing is the same incident.</param>
/// <param name="AutoFailover">Promote a lost master's in-sync slave without a person's approval after
/// <paramref name="FailoverGrace"/>, announced with a Cancel button, only when fencing is possible (see <see cref="FailoverAutopilot"/>).</param>
public sealed record AlertSettings(
    AutomationPolicy AsyncSwitchPolicy,
    AutomationPolicy SyncSwitchPolicy,
    int FlapPolls,
    TimeSpan Reminder,
    TimeSpan ReopenWindow,
    bool AutoFailover,
    TimeSpan FailoverGrace)
{
    public static AlertSettings Default { get; } = new(
        AutomationPolicy.Auto, AutomationPolicy.Auto, FlapPolls: 2,
        Reminder: TimeSpan.FromMinutes(30), ReopenWindow: TimeSpan.FromMinutes(10),
        AutoFailover: false, FailoverGrace: TimeSpan.FromSeconds(30));

    /// <summary>How often the monitor checks that each host with transport ssh still answers SSH
    /// (<c>alerts.sshCheckSeconds</c>, default 30 s). Much slower than the poll: an SSH login costs the host
    /// far more than a SQL probe, and a host's SSH matters only when a runbook must run there.</summary>
    public TimeSpan SshCheck { get; init; } = TimeSpan.FromSeconds(30);
}
