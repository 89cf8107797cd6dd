using PgxcBot.Core.Monitoring;

namespace PgxcBot.Core.Topology;

/// <summary>Checks the <c>alerts</c> section; every error names its JSON path and the fix.</summary>
internal static class AlertValidation
{
    public static AlertSettings? Check(AlertOptions? options, Action<string, string> error)
    {
        var d = AlertSettings.Default;
        if (options is null) return d;
        var ok = true;

        AutomationPolicy Policy(string path, string? text, AutomationPolicy fallback)
        {
            if (text is null) return fallback;
            switch (text.Trim().ToLowerInvariant())
            {
                case "auto": return AutomationPolicy.Auto;
                case "ask": return AutomationPolicy.Ask;
                case "off": return AutomationPolicy.Off;
                default:
                    error(path, $"\"{ConfigRules.Show(text)}\" is not a policy; expected auto (act, then say so), ask (alert with a button) or off (alert only).");
                    ok = false;
                    return fallback;
            }
        }

        TimeSpan Duration(string path, double? value, DurationRule rule, TimeSpan fallback)
        {
            if (value is null) return fallback;
            if (FieldRules.Duration(value.Value, rule) is { } problem)
            {
                error(path, problem);
                ok = false;
                return fallback;
            }
            return rule.ToTimeSpan(value.Value);
        }

        var asyncSwitch = Policy("alerts.degradePolicy", options.DegradePolicy, d.AsyncSwitchPolicy);
        var syncSwitch = Policy("alerts.resyncPolicy", options.ResyncPolicy, d.SyncSwitchPolicy);
        var flapPolls = options.FlapPolls ?? d.FlapPolls;
        if (FieldRules.Count(flapPolls, 1, 60, "consecutive polls", $"1 alerts at the first sighting (default {d.FlapPolls}).") is { } flapProblem)
        {
            error("alerts.flapPolls", flapProblem);
            ok = false;
        }
        var reminder = Duration("alerts.reminderMinutes", options.ReminderMinutes, DurationRule.Reminder, d.Reminder);
        var reopen = Duration("alerts.reopenWindowMinutes", options.ReopenWindowMinutes, DurationRule.ReopenWindow, d.ReopenWindow);
        var grace = Duration("alerts.graceSeconds", options.GraceSeconds, DurationRule.FailoverGrace, d.FailoverGrace);
        var sshCheck = Duration("alerts.sshCheckSeconds", options.SshCheckSeconds, DurationRule.SshCheck, d.SshCheck);
        return ok ? new AlertSettings(asyncSwitch, syncSwitch, flapPolls, reminder, reopen, options.AutoFailover ?? false, grace) { SshCheck = sshCheck } : null;
    }
}
