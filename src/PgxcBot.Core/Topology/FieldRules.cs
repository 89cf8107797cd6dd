using System.Text.RegularExpressions;

namespace PgxcBot.Core.Topology;

/// <summary>A kind of name: its shape, what it is called in messages and why the shape is strict.</summary>
internal sealed record NameRule(Func<Regex> Pattern, string What, string Shape, string Why)
{
    public static readonly NameRule Node = new(ConfigRules.NodeName, "node name",
        "lower-case letters, digits and _, starting with a letter or _ (at most 63)", "it is used in ALTER NODE and shell commands");
    public static readonly NameRule ApplicationName = new(ConfigRules.NodeName, "application name",
        "lower-case letters, digits and _, starting with a letter or _ (at most 63)", "it goes into synchronous_standby_names");
    public static readonly NameRule Host = new(ConfigRules.HostName, "host name",
        "letters, digits, _ . and -, starting with a letter or digit (at most 63)", "servers and messages refer to it");
    public static readonly NameRule OsUser = new(ConfigRules.OsUser, "OS user name",
        "lower-case letters, digits, _ and -, starting with a letter or _ (at most 32)", "runbook commands run as this user");
    public static readonly NameRule Role = new(ConfigRules.DatabaseName, "role name",
        "letters, digits and _, starting with a letter or _ (at most 63)", "it goes unquoted into connection strings");
    public static readonly NameRule Database = new(ConfigRules.DatabaseName, "database name",
        "letters, digits and _, starting with a letter or _ (at most 63)", "it goes unquoted into connection strings");
}

/// <summary>The range of one duration field, in the unit the field is written in.</summary>
internal sealed record DurationRule(string Unit, double Min, double Max, double Default, string Why)
{
    public TimeSpan ToTimeSpan(double value) => Unit == "minutes" ? TimeSpan.FromMinutes(value) : TimeSpan.FromSeconds(value);

    public static readonly DurationRule Lease = new("seconds", 2, 300, 15,
        "It is how long the active replica may be silent before the standby takes over (renewed every third of it).");
    public static readonly DurationRule Interval = new("seconds", 0.5, 3600, 1,
        "It is how often every server is polled.");
    public static readonly DurationRule ConnectTimeout = new("seconds", 0.5, 300, 2,
        "A connection and login to a real server can take a few hundred milliseconds: below 0.5 s healthy servers would look down.");
    public static readonly DurationRule CommandTimeout = new("seconds", 0.5, 300, 2,
        "A probe's queries need a few round trips: below 0.5 s a busy but healthy server would look hung.");
    public static readonly DurationRule LagSeconds = new("seconds", 1, 86_400, 10,
        "It is how far behind (in time) the slave may replay before an alert.");
    public static readonly DurationRule CommitWatch = new("seconds", 0.01, 1, 0.05,
        "It is how often each master is asked whether commits wait on a missing slave (0 turns that off); below 0.01 s the queries themselves would load the master.");
    public static readonly DurationRule PreparedAge = new("seconds", 1, 7 * 86_400, 60,
        "It is how old a prepared (two-phase) transaction may get before an alert: it holds locks and keeps WAL.");
    public static readonly DurationRule ApprovalExpiry = new("minutes", 1, 1440, 10,
        "It is how long a request stays approvable.");
    public static readonly DurationRule Reminder = new("minutes", 1, 7 * 24 * 60, 30,
        "It is the time between reminders of an open incident: below a minute the channel would be flooded.");
    public static readonly DurationRule ReopenWindow = new("minutes", 1, 24 * 60, 10,
        "A problem back within this time is the same incident.");
    public static readonly DurationRule FailoverGrace = new("seconds", 5, 3600, 30,
        "It must leave someone time to press Cancel.");
    public static readonly DurationRule SshCheck = new("seconds", 5, 3600, 30,
        "It is the time between SSH checks of each host: each check is a login on the host.");
    public static readonly DurationRule TimestampWindow = new("seconds", 5, 3600, 300,
        "Requests signed longer ago (or ahead) than this are refused.");
}

/// <summary>
/// The field checks: one per kind of value (name, remote path, local path, network address, IP address,
/// port, duration, count, chat id, Discord id, secret reference), used by every field of that kind. Each
/// returns null when the value is fine, else the message: what is wrong and the fix (the caller adds the
/// JSON path). Values given where a secret belongs are never repeated.
/// </summary>
internal static class FieldRules
{
    /// <summary>Any string: no invisible characters, no outer spaces (the loader checks this for every
    /// string; repeated here for options built in code).</summary>
    public static string? Text(string? value, bool secret = false) =>
        value is null ? null : ConfigLoader.TextProblem(value, secret);

    public static string? Name(string? value, NameRule rule, string example, string missing)
    {
        if (string.IsNullOrWhiteSpace(value)) return $"missing. {missing}";
        if (Text(value) is { } text) return text;
        if (!rule.Pattern().IsMatch(value))
            return $"\"{ConfigRules.Show(value)}\" is not a valid {rule.What}: {rule.Why}, so use {rule.Shape}, e.g. \"{example}\".";
        return null;
    }

    /// <summary>A directory or program location on a cluster host: absolute and safe in a shell command.</summary>
    public static string? RemotePath(string value) => Text(value) ?? ConfigRules.CheckPath(value);

    /// <summary>A file on the bot's own machine (key file, secret file, store): absolute unless
    /// <paramref name="relativeAllowed"/>, and naming a file, not a directory.</summary>
    public static string? LocalFile(string value, string example, bool relativeAllowed = false, bool secret = false)
    {
        var shown = secret ? "the value (not repeated here: it may be the secret itself)" : $"\"{ConfigRules.Show(value)}\"";
        if (Text(value, secret) is { } text) return text;
        if (value.Length == 0) return $"empty; give a file, e.g. \"{example}\".";
        if (!relativeAllowed && !value.StartsWith('/'))
            return $"{shown} is not an absolute path; write the full path (~ is not expanded), e.g. \"{example}\".";
        if (value.Length > ConfigRules.MaxPathLength) return $"is {value.Length} characters long; give a path of at most {ConfigRules.MaxPathLength}.";
        if (value.EndsWith('/') || Path.GetFileName(value) is "." or "..")
            return $"{shown} names a directory; give a file in it, e.g. \"{example}\".";
        return null;
    }

    /// <summary>A DNS name or an IP literal that ssh and Npgsql can take as it is.</summary>
    public static string? Address(string value)
    {
        if (Text(value) is { } text) return text;
        if (value.StartsWith('[') && value.EndsWith(']'))
            return $"\"{ConfigRules.Show(value)}\": write an IPv6 address without brackets, e.g. \"{value[1..^1]}\".";
        if (ConfigRules.IsAddress(value)) return null;
        return $"\"{ConfigRules.Show(value)}\" is not a DNS name or an IP address; give e.g. \"node01\", \"db1.example.internal\", \"192.0.2.11\" or \"2001:db8::11\" (letters, digits, . - and : only).";
    }

    /// <summary>An IP literal (no DNS name: it is bound, not looked up).</summary>
    public static string? IpAddress(string value, string example)
    {
        if (Text(value) is { } text) return text;
        return ConfigRules.IsIpLiteral(value) ? null
            : $"\"{ConfigRules.Show(value)}\" is not an IP address; give e.g. \"{example}\" (IPv4 as four numbers 0-255, or IPv6).";
    }

    public static string? Port(int value) =>
        value is >= 1 and <= 65535 ? null : $"{value} is not a TCP port (1-65535); give a number from 1 to 65535.";

    public static string? Duration(double value, DurationRule rule)
    {
        if (!double.IsNaN(value) && value >= rule.Min && value <= rule.Max) return null;
        return $"{ConfigValidator.Format(value)} is out of range; give {ConfigValidator.Format(rule.Min)} to {ConfigValidator.Format(rule.Max)} {rule.Unit} (default {ConfigValidator.Format(rule.Default)}). {rule.Why}";
    }

    public static string? Count(long value, long min, long max, string unit, string why) =>
        value >= min && value <= max ? null : $"{value} is out of range; give {min} to {max} {unit}. {why}";

    /// <summary>A user or role id in approvals: a Discord id or a console user name.</summary>
    public static string? ChatId(string? value)
    {
        const string fix = "give the chat id (a Discord id such as \"539101234567890123\", in quotes) or, in the lab, a console user name such as \"alice\".";
        if (string.IsNullOrWhiteSpace(value)) return $"empty; {fix}";
        if (Text(value) is { } text) return text;
        return ConfigRules.ChatId().IsMatch(value) ? null : $"\"{ConfigRules.Show(value)}\" is not a user or role id: {fix}";
    }

    /// <summary>A Discord id: digits only, in quotes.</summary>
    public static string? Snowflake(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value)) return $"missing. Give {what}, e.g. \"1100000000000000000\".";
        if (Text(value) is { } text) return text;
        return ConfigRules.IsSnowflake(value) ? null
            : $"\"{ConfigRules.Show(value)}\" is not a Discord ID (a positive number of up to 20 digits, in quotes); give {what}.";
    }

    /// <summary>A secret reference: exactly one of env (a POSIX variable name) or file (an absolute path).
    /// Returns the path suffix ("", ".env", ".file") and the message, or null when fine. Never repeats a
    /// value: one typed here by mistake may be the secret.</summary>
    public static (string Suffix, string Message)? SecretReference(string path, SecretReference secret)
    {
        var (exampleEnv, exampleFile) = ConfigLoader.ExampleReference(path);
        var hasEnv = !string.IsNullOrEmpty(secret.Env);
        var hasFile = !string.IsNullOrEmpty(secret.File);
        if (hasEnv == hasFile)
            return ("", $"give exactly one of {{\"env\": \"{exampleEnv}\"}} (an environment variable) or {{\"file\": \"{exampleFile}\"}} (a file readable only by the bot).");
        if (hasEnv && (Text(secret.Env, secret: true) is not null || !ConfigRules.EnvironmentVariable().IsMatch(secret.Env!)))
            return (".env", "is not an environment variable name (the value is not repeated here: it may be the secret itself). " +
                $"A name is upper-case letters, digits and _, not starting with a digit (POSIX), e.g. {exampleEnv}. " +
                "If you wrote the secret itself here, change it: it has been written in the config file.");
        if (hasFile && LocalFile(secret.File!, exampleFile, secret: true) is { } problem)
            return (".file", problem);
        return null;
    }
}
