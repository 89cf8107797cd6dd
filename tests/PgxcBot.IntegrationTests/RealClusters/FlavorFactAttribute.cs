using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A test on a real Postgres-XC or Postgres-XL installation: skipped, naming the flavor's variable
/// (PGXCBOT_XC_HOME, PGXCBOT_XL_HOME) and how to set it, when the variable is unset.</summary>
public abstract class FlavorFactAttribute : FactAttribute
{
    protected FlavorFactAttribute(Flavor flavor)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PgxcInstallation.VariableFor(flavor))))
            Skip = $"{PgxcInstallation.VariableFor(flavor)} is not set: {PgxcInstallation.HowToSet(flavor)}";
    }
}

/// <summary>A test on a real Postgres-XC installation (PGXCBOT_XC_HOME).</summary>
public sealed class XcFactAttribute() : FlavorFactAttribute(Flavor.PostgresXc);

/// <summary>A test on a real Postgres-XL installation (PGXCBOT_XL_HOME).</summary>
public sealed class XlFactAttribute() : FlavorFactAttribute(Flavor.PostgresXl);
