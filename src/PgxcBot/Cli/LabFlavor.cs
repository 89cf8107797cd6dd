using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Cli;

/// <summary>
/// <c>pgxcbot lab --flavor</c>: which flavor the lab runs, and for Postgres-XC/XL the installation named by
/// <c>PGXCBOT_XC_HOME</c> / <c>PGXCBOT_XL_HOME</c>.
/// </summary>
internal static class LabFlavor
{
    /// <summary>The flavor and installation (null for PostgreSQL), or the error to print (naming the option or
    /// variable and how to fix it).</summary>
    public static (Flavor Flavor, PgxcInstallation? Installation, string? Error) Resolve(CliArguments arguments,
        Func<string, string?>? environment = null)
    {
        if (arguments.Flavor is null) return (Flavor.PostgreSql, null, null);
        if (ConfigValidator.ParseFlavor(arguments.Flavor) is not { } flavor)
            return (default, null, $"unknown --flavor '{arguments.Flavor}'; valid: postgres-xc, postgres-xl, postgresql");
        if (flavor == Flavor.PostgreSql) return (flavor, null, null);
        if (arguments.Keep)
            return (default, null, $"--keep is not supported with --flavor {arguments.Flavor} yet: pgxcbot lab down does not stop a GTM or coordinators");
        try
        {
            return PgxcInstallation.FromEnvironment(flavor, environment) is { } installation
                ? (flavor, installation, null)
                : (default, null, $"{PgxcInstallation.VariableFor(flavor)} is not set: {PgxcInstallation.HowToSet(flavor)}");
        }
        catch (PgxcInstallationException e)
        {
            return (default, null, e.Message);
        }
    }
}
