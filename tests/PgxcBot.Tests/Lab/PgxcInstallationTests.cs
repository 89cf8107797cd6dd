using PgxcBot.Lab.Pgxc;

namespace PgxcBot.Tests.Lab;

/// <summary>Finding a Postgres-XC/XL installation: a folder that lacks the programs is refused with the variable named.</summary>
public sealed class PgxcInstallationTests : IDisposable
{
    private static readonly string[] Programs = ["postgres", "initdb", "pg_ctl", "pg_basebackup", "gtm", "gtm_ctl", "initgtm"];
    private readonly DirectoryInfo _home = Directory.CreateTempSubdirectory("pgxcbot-install-");

    public void Dispose() => _home.Delete(recursive: true);

    [Fact]
    public void A_folder_with_every_program_is_an_installation_with_its_bin_dir()
    {
        var bin = _home.CreateSubdirectory("bin");
        foreach (var program in Programs) File.WriteAllText(Path.Combine(bin.FullName, program), "");

        var installation = PgxcInstallation.FromHome(Flavor.PostgresXl, _home.FullName);

        Assert.Equal(Flavor.PostgresXl, installation.Flavor);
        Assert.Equal(bin.FullName, installation.BinDir);
        Assert.Equal(Path.Combine(bin.FullName, "gtm_ctl"), installation.GtmCtl);
        Assert.Equal(Path.Combine(bin.FullName, "pg_ctl"), installation.Binaries.PgCtl);
    }

    [Theory]
    [InlineData(Flavor.PostgresXc, "PGXCBOT_XC_HOME")]
    [InlineData(Flavor.PostgresXl, "PGXCBOT_XL_HOME")]
    public void A_folder_missing_programs_is_refused_naming_the_variable_and_what_is_missing(Flavor flavor, string variable)
    {
        var bin = _home.CreateSubdirectory("bin");
        foreach (var program in Programs.Where(p => p != "gtm_ctl")) File.WriteAllText(Path.Combine(bin.FullName, program), "");

        var error = Assert.Throws<PgxcInstallationException>(() => PgxcInstallation.FromHome(flavor, _home.FullName));

        Assert.StartsWith($"{variable} is '{_home.FullName}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("lacks gtm_ctl", error.Message, StringComparison.Ordinal);
        Assert.Contains($"export {variable}=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgreSql_has_no_installation_variable() =>
        Assert.Throws<ArgumentException>(() => PgxcInstallation.VariableFor(Flavor.PostgreSql));
}
