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

        TimeSpan Minutes(string path, double? value, TimeSpan fallback, double max)
        {
            if (value is null) return fallback;
            if (double.IsNaN(value.Value) || value.Value <= 0 || value.Value > max)
            {
                error(path, $"{ConfigValidator.Format(value.Value)} is out of range; give minutes above 0 and at most {ConfigValidator.Format(max)} (default {ConfigValidator.Format(fallback.TotalMinutes)}).");
                ok = false;
                return fallback;
            }
            return TimeSpan.FromMinutes(value.Value);
        }

        var degrade = Policy("alerts.degradePolicy", options.DegradePolicy, d.DegradePolicy);
        var resync = Policy("alerts.resyncPolicy", options.ResyncPolicy, d.ResyncPolicy);
        var flapPolls = options.FlapPolls ?? d.FlapPolls;
        if (flapPolls is < 1 or > 60)
        {
            error("alerts.flapPolls", $"{flapPolls} is out of range; give 1 (alert at the first sighting) to 60 consecutive polls (default {d.FlapPolls}).");
            ok = false;
        }
        var reminder = Minutes("alerts.reminderMinutes", options.ReminderMinutes, d.Reminder, 7 * 24 * 60);
        var reopen = Minutes("alerts.reopenWindowMinutes", options.ReopenWindowMinutes, d.ReopenWindow, 24 * 60);
        var grace = d.FailoverGrace;
        if (options.GraceSeconds is { } seconds)
        {
            if (double.IsNaN(seconds) || seconds is < 5 or > 3600)
            {
                error("alerts.graceSeconds", $"{ConfigValidator.Format(seconds)} is out of range; give 5 to 3600 seconds (default {ConfigValidator.Format(d.FailoverGrace.TotalSeconds)}): long enough for someone to press Cancel.");
                ok = false;
            }
            else grace = TimeSpan.FromSeconds(seconds);
        }
        var sshCheck = d.SshCheck;
        if (options.SshCheckSeconds is { } every)
        {
            if (double.IsNaN(every) || every is < 5 or > 3600)
            {
                error("alerts.sshCheckSeconds", $"{ConfigValidator.Format(every)} is out of range; give 5 to 3600 seconds between SSH checks of each host (default {ConfigValidator.Format(d.SshCheck.TotalSeconds)}).");
                ok = false;
            }
            else sshCheck = TimeSpan.FromSeconds(every);
        }
        return ok ? new AlertSettings(degrade, resync, flapPolls, reminder, reopen, options.AutoFailover ?? false, grace) { SshCheck = sshCheck } : null;
    }
}
