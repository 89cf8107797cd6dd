namespace PgxcBot.Core.Outbox;

/// <summary>How a target shows an operation's progress.</summary>
public enum ProgressStyle
{
    /// <summary>Not at all.</summary>
    None,
    /// <summary>One line per step as it starts and ends (a terminal: it cannot edit what it printed).</summary>
    Lines,
    /// <summary>One live message per operation, replaced by its newest state (a chat that edits messages).</summary>
    Message,
}

/// <summary>One target of this process's outbox and what it is sent.</summary>
/// <param name="Alerts">Whether the monitor's alerts, reminders and recoveries go there.</param>
public sealed record OutboxRoute(string Target, ProgressStyle Progress, bool Alerts);

/// <summary>
/// Where this process's chat messages go. Registered by the host per adapter (the console, Discord, the log);
/// routes of one target are merged (the richest progress style, alerts if any says so).
/// </summary>
public sealed class OutboxRoutes
{
    public OutboxRoutes(IEnumerable<OutboxRoute> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        All = routes.GroupBy(r => r.Target, StringComparer.Ordinal)
            .Select(g => new OutboxRoute(g.Key, g.Max(r => r.Progress), g.Any(r => r.Alerts)))
            .ToArray();
    }

    /// <summary>Every target, merged.</summary>
    public IReadOnlyList<OutboxRoute> All { get; }

    /// <summary>Targets that receive alerts.</summary>
    public IEnumerable<string> AlertTargets => All.Where(r => r.Alerts).Select(r => r.Target);

    /// <summary>Targets that show progress, with how.</summary>
    public IEnumerable<OutboxRoute> ProgressTargets => All.Where(r => r.Progress != ProgressStyle.None);

    /// <summary>No target at all (tests that do not look at chat).</summary>
    public static OutboxRoutes None { get; } = new([]);
}
