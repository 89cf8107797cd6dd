using System.Globalization;

namespace PgxcBot.Core.Topology;

/// <summary>
/// Checks a whole configuration and reports EVERY mistake at once (an operator fixing a file at 3 a.m.
/// should not have to run the check ten times). Errors block; warnings are legal but questionable
/// layouts. When there is no error the report carries the <see cref="ClusterTopology"/>, with defaults
/// applied: transport ssh, sshPort 22, database "postgres", <see cref="MonitorSettings.Default"/>, store
/// "pgxcbot.db" next to the config file, application name <c>&lt;datanode&gt;_slave</c>.
/// </summary>
public static class ConfigValidator
{
    public const string DefaultDatabase = "postgres";
    public const string DefaultStorePath = "pgxcbot.db";
    public const int DefaultSshPort = 22;

    /// <summary>Validates bound options. A relative store path is resolved against
    /// <paramref name="baseDirectory"/> (the config file's directory) when given.</summary>
    public static ConfigReport Validate(PgxcBotOptions options, string? baseDirectory = null) =>
        new Validation(options, baseDirectory).Run([]);

    /// <summary>Validates what <see cref="ConfigLoader"/> read, keeping the loader's own errors (types,
    /// unknown keys) in front of the rule violations. A file that is not a JSON object at all gets its one
    /// error and nothing more: every rule would fail on the empty options and bury the real mistake.</summary>
    public static ConfigReport Validate(ConfigLoadResult loaded, string? baseDirectory = null) =>
        loaded.Unreadable
            ? ConfigReport.Failed([.. loaded.Errors])
            : new Validation(loaded.Options, baseDirectory).Run(loaded.Errors);

    /// <summary>Parses a flavor as written in the config; null when unknown.</summary>
    public static Flavor? ParseFlavor(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "postgres-xc" => Flavor.PostgresXc,
        "postgres-xl" => Flavor.PostgresXl,
        "postgresql" => Flavor.PostgreSql,
        _ => null,
    };

    /// <summary>The config spelling of a flavor (postgres-xc | postgres-xl | postgresql).</summary>
    public static string FlavorName(Flavor flavor) => flavor switch
    {
        Flavor.PostgresXc => "postgres-xc",
        Flavor.PostgresXl => "postgres-xl",
        _ => "postgresql",
    };

    internal static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
