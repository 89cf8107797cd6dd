namespace PgxcBot.IntegrationTests.Gtm;

/// <summary>
/// Where a real Postgres-XC / Postgres-XL installation is: the folder holding bin/gtm, bin/initgtm, bin/initdb,
/// bin/pg_ctl (the relocatable builds of shared/vendor unpack to such a folder).
/// </summary>
internal static class RealInstall
{
    public const string XcVariable = "PGXCBOT_XC_HOME";
    public const string XlVariable = "PGXCBOT_XL_HOME";

    /// <summary>The installation of <paramref name="flavor"/>, or why there is none.</summary>
    public static (string? Home, string? Missing) Find(Flavor flavor)
    {
        var variable = flavor == Flavor.PostgresXc ? XcVariable : XlVariable;
        var product = flavor == Flavor.PostgresXc ? "Postgres-XC" : "Postgres-XL";
        var home = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(home))
            return (null, $"{variable} is not set: point it at a {product} installation (e.g. /opt/pgxcbot-vendor/pg{(flavor == Flavor.PostgresXc ? "xc" : "xl")}) to run this test");
        foreach (var program in new[] { "gtm", "gtm_ctl", "initgtm", "initdb", "pg_ctl", "psql" })
            if (!File.Exists(Path.Combine(home, "bin", program)))
                return (null, $"{variable} is '{home}', but it has no bin/{program}: point it at a {product} installation");
        return (home, null);
    }

    /// <summary>The installation; only call it from a test that its fact attribute did not skip.</summary>
    public static string Home(Flavor flavor) => Find(flavor).Home
        ?? throw new InvalidOperationException(Find(flavor).Missing);
}

/// <summary>A fact that needs a real Postgres-XC installation (<c>PGXCBOT_XC_HOME</c>); skipped, saying so, without.</summary>
public sealed class XcGtmFactAttribute : FactAttribute
{
    public XcGtmFactAttribute()
    {
        if (RealInstall.Find(Flavor.PostgresXc).Missing is { } missing) Skip = missing;
    }
}

/// <summary>A fact that needs a real Postgres-XL installation (<c>PGXCBOT_XL_HOME</c>); skipped, saying so, without.</summary>
public sealed class XlGtmFactAttribute : FactAttribute
{
    public XlGtmFactAttribute()
    {
        if (RealInstall.Find(Flavor.PostgresXl).Missing is { } missing) Skip = missing;
    }
}
