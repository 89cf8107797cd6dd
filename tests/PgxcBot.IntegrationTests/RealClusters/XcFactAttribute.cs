using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pgxc;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary>A test on a real Postgres-XC installation: skipped, naming PGXCBOT_XC_HOME and how to set it,
/// when the variable is unset.</summary>
public sealed class XcFactAttribute : FactAttribute
{
    public XcFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PgxcInstallation.XcVariable)))
            Skip = $"{PgxcInstallation.XcVariable} is not set: {PgxcInstallation.HowToSet(Flavor.PostgresXc)}";
    }
}
