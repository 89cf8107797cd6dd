using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

/// <summary><c>pgxcbot lab --flavor</c>: a wrong flavor or a missing installation is a command-line error (exit 2)
/// that names what to fix.</summary>
public sealed class LabFlavorTests
{
    private static CliArguments Lab(params string[] args) => CliArguments.Parse(["lab", .. args]).Arguments!;

    [Fact]
    public async Task An_unknown_flavor_exits_2_listing_the_valid_ones()
    {
        var run = await CliRun.RunAsync(["lab", "--flavor", "postgres-xq"]);

        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains("unknown --flavor 'postgres-xq'; valid: postgres-xc, postgres-xl, postgresql", run.Error);
    }

    [Theory]
    [InlineData("postgres-xc", "PGXCBOT_XC_HOME")]
    [InlineData("postgres-xl", "PGXCBOT_XL_HOME")]
    public void An_unset_installation_variable_is_named_with_how_to_set_it(string flavor, string variable)
    {
        var (_, installation, error) = LabFlavor.Resolve(Lab("--flavor", flavor), _ => null);

        Assert.Null(installation);
        Assert.StartsWith($"{variable} is not set: set {variable} to an unpacked installation", error);
        Assert.Contains($"export {variable}=", error);
    }

    [Fact]
    public void A_variable_naming_no_installation_is_refused_with_the_folder()
    {
        var (_, _, error) = LabFlavor.Resolve(Lab("--flavor", "postgres-xl"), name => name == "PGXCBOT_XL_HOME" ? "/nonexistent/pgxl" : null);

        Assert.StartsWith("PGXCBOT_XL_HOME is '/nonexistent/pgxl', but /nonexistent/pgxl/bin lacks postgres, initdb", error);
    }

    [Fact]
    public void Keep_is_refused_for_a_real_cluster_and_postgresql_needs_no_installation()
    {
        Assert.StartsWith("--keep is not supported with --flavor postgres-xc", LabFlavor.Resolve(Lab("--flavor", "postgres-xc", "--keep"), _ => null).Error);
        Assert.Equal((Flavor.PostgreSql, null, null), LabFlavor.Resolve(Lab("--flavor", "postgresql"), _ => null));
        Assert.Equal((Flavor.PostgreSql, null, null), LabFlavor.Resolve(Lab(), _ => null));
    }
}
