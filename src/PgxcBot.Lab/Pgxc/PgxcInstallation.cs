using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Pgxc;

/// <summary>
/// An unpacked Postgres-XC or Postgres-XL installation (the relocatable folder of ../shared/vendor: bin/, lib/,
/// share/). Tests and the lab find it through <c>PGXCBOT_XC_HOME</c> / <c>PGXCBOT_XL_HOME</c>.
/// </summary>
/// <param name="Flavor">Postgres-XC or Postgres-XL (never PostgreSQL).</param>
/// <param name="Home">The folder that contains bin/ (e.g. /opt/pgxcbot-vendor/pgxl), absolute.</param>
public sealed record PgxcInstallation(Flavor Flavor, string Home)
{
    /// <summary>The environment variable naming Postgres-XC's folder.</summary>
    public const string XcVariable = "PGXCBOT_XC_HOME";

    /// <summary>The environment variable naming Postgres-XL's folder.</summary>
    public const string XlVariable = "PGXCBOT_XL_HOME";

    // Every program the lab runs; a folder missing one of them is not a usable installation.
    private static readonly string[] Programs = ["postgres", "initdb", "pg_ctl", "pg_basebackup", "gtm", "gtm_ctl", "initgtm"];

    /// <summary>The installation's bin directory (the topology host's pgBinDir).</summary>
    public string BinDir => Path.Combine(Home, "bin");

    /// <summary>initdb, pg_ctl and pg_basebackup of this installation.</summary>
    public PgBinaries Binaries => new(BinDir);

    /// <summary>gtm_ctl; it finds <c>gtm</c> only through PATH, so run it with <see cref="BinDir"/> first on PATH.</summary>
    public string GtmCtl => Path.Combine(BinDir, "gtm_ctl");

    /// <summary>initgtm, which creates a GTM data directory.</summary>
    public string InitGtm => Path.Combine(BinDir, "initgtm");

    /// <summary>The variable that names this flavor's installation.</summary>
    /// <exception cref="ArgumentException">The flavor is PostgreSQL, which has no such installation.</exception>
    public static string VariableFor(Flavor flavor) => flavor switch
    {
        Flavor.PostgresXc => XcVariable,
        Flavor.PostgresXl => XlVariable,
        _ => throw new ArgumentException($"{flavor} has no Postgres-XC/XL installation; only PostgresXc and PostgresXl do.", nameof(flavor)),
    };

    /// <summary>How a user points the variable at an installation: one line for skip messages and errors.</summary>
    public static string HowToSet(Flavor flavor)
    {
        var (variable, folder, tarball) = flavor == Flavor.PostgresXc
            ? (XcVariable, "pgxc", "postgres-xc-1.2-debian12-amd64.tar.xz")
            : (XlVariable, "pgxl", "postgres-xl-10r1.1-debian12-amd64.tar.xz");
        return $"set {variable} to an unpacked installation (the folder holding bin/gtm_ctl), e.g. " +
               $"`tar -xJf ../shared/vendor/{tarball} -C /opt/pgxcbot-vendor && export {variable}=/opt/pgxcbot-vendor/{folder}`; " +
               ".ci/run does this for CI";
    }

    /// <summary>
    /// The installation named by the flavor's variable; null when the variable is unset or empty.
    /// </summary>
    /// <exception cref="PgxcInstallationException">The variable is set but names no usable installation; the
    /// message names the variable, the folder and what is missing.</exception>
    /// <param name="flavor">Postgres-XC or Postgres-XL.</param>
    /// <param name="environment">Reads a variable; null: the process environment.</param>
    public static PgxcInstallation? FromEnvironment(Flavor flavor, Func<string, string?>? environment = null)
    {
        var variable = VariableFor(flavor);
        var value = (environment ?? Environment.GetEnvironmentVariable)(variable);
        return string.IsNullOrWhiteSpace(value) ? null : FromHome(flavor, value, variable);
    }

    /// <summary>Checks <paramref name="home"/> holds every program the lab runs.</summary>
    /// <exception cref="PgxcInstallationException">Something is missing; <paramref name="source"/> (the variable,
    /// or another description of where the folder came from) is named in the message.</exception>
    public static PgxcInstallation FromHome(Flavor flavor, string home, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(home);
        var variable = VariableFor(flavor);
        source ??= variable;
        var full = Path.GetFullPath(home);
        var missing = Programs.Where(p => !File.Exists(Path.Combine(full, "bin", p))).ToArray();
        if (missing.Length > 0)
            throw new PgxcInstallationException(
                $"{source} is '{home}', but {Path.Combine(full, "bin")} lacks {string.Join(", ", missing)}: it is not an unpacked " +
                $"{(flavor == Flavor.PostgresXc ? "Postgres-XC" : "Postgres-XL")} installation. {HowToSet(flavor)}; or unset {variable}.");
        return new PgxcInstallation(flavor, full);
    }
}

/// <summary>A Postgres-XC/XL installation variable names a folder that is not one; the message says which and how to fix it.</summary>
public sealed class PgxcInstallationException(string message) : Exception(message);
