using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A test on a real Postgres-XL installation: skipped, naming PGXCBOT_XL_HOME and how to set it,
/// when the variable is unset.</summary>
public sealed class XlFactAttribute : FactAttribute
{
    public XlFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PgxcInstallation.XlVariable)))
            Skip = $"{PgxcInstallation.XlVariable} is not set: {PgxcInstallation.HowToSet(Flavor.PostgresXl)}";
    }
}
