using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.Flavors;

/// <summary>The flavor scenarios' skip rule (kept apart from <see cref="FlavorLab"/>, which the benchmarks
/// compile without xunit).</summary>
public static class FlavorSkip
{
    /// <summary>Skips the test (naming the variable) when the flavor's installation is not set.</summary>
    public static void UnlessInstalled(Flavor flavor)
    {
        if (flavor == Flavor.PostgreSql) return;
        Skip.If(PgxcInstallation.FromEnvironment(flavor) is null, $"{PgxcInstallation.VariableFor(flavor)} is not set: {PgxcInstallation.HowToSet(flavor)}");
    }
}
