using System.Diagnostics;
using PgxcBot.Lab.Coordinator;
using static PgxcBot.Tests.Lab.SimulatorKit;

namespace PgxcBot.Tests.Lab;

/// <summary>The simulator through psql (/usr/bin/psql), i.e. libpq's simple query protocol.</summary>
public sealed class PsqlTests
{
    const string Psql = "/usr/bin/psql";

    sealed record PsqlResult(int ExitCode, string Stdout, string Stderr);

    static async Task<PsqlResult> RunPsqlAsync(CoordinatorSimulator sim, string sql, string user = "postgres", string? password = null)
    {
        var info = new ProcessStartInfo(Psql)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-X", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose",
                     "-h", sim.Host, "-p", sim.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-U", user, "-d", "postgres", "-c", sql })
            info.ArgumentList.Add(arg);
        info.Environment.Remove("PGPASSWORD");
        info.Environment.Remove("PGSERVICE");
        info.Environment["PGCONNECT_TIMEOUT"] = "5";
        info.Environment["PGSSLMODE"] = "prefer";
        if (password is not null) info.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new PsqlResult(process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    [Fact]
    public async Task Psql_reads_pgxc_node()
    {
        await using var sim = await StartAsync();

        var result = await RunPsqlAsync(sim,
            "SELECT node_name, node_type, node_port FROM pgxc_node WHERE node_type = 'D' ORDER BY node_name");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("datanode1|D|15432\ndatanode2|D|15433", result.Stdout);
    }

    [Fact]
    public async Task Psql_alter_then_reload_as_separate_commands_works()
    {
        await using var sim = await StartAsync();

        var alter = await RunPsqlAsync(sim, "ALTER NODE datanode1 WITH (HOST = '127.0.0.7', PORT = 6543)");
        var check = await RunPsqlAsync(sim, "SELECT pgxc_pool_check()");
        var reload = await RunPsqlAsync(sim, "SELECT pgxc_pool_reload()");

        Assert.Equal((0, "f", 0, "t"), (alter.ExitCode, check.Stdout, reload.ExitCode, reload.Stdout));
        Assert.Equal(6543, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
        Assert.True(sim.PoolMatchesCatalog);
    }

    [Fact]
    public async Task Psql_alter_and_reload_in_one_string_fail_with_25001()
    {
        await using var sim = await StartAsync();

        var result = await RunPsqlAsync(sim, "ALTER NODE datanode1 WITH (PORT = 6543); SELECT pgxc_pool_reload();");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ERROR:  25001: pgxc_pool_reload cannot run with a transaction ID assigned", result.Stderr);
        Assert.Equal(15432, sim.CoordinatorCatalog.Single(r => r.NodeName == "datanode1").NodePort);
    }

    [Fact]
    public async Task Psql_shows_XC_errors_with_SQLSTATE()
    {
        await using var sim = await StartAsync();

        var result = await RunPsqlAsync(sim, "ALTER NODE datanode9 WITH (PORT = 1)");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ERROR:  42704: PGXC Node datanode9: object not defined", result.Stderr);
    }

    [Fact]
    public async Task Psql_password_authentication()
    {
        await using var sim = await StartAsync(new CoordinatorSimulatorOptions
        {
            Nodes = TwoDatanodes(), AuthMethod = SimulatorAuthMethod.Md5, User = "pgxc", Password = "s3cret",
        });

        var good = await RunPsqlAsync(sim, "SHOW server_version", user: "pgxc", password: "s3cret");
        var bad = await RunPsqlAsync(sim, "SELECT 1", user: "pgxc", password: "nope");

        Assert.Equal((0, "10.9 (Postgres-XL 10r1.1)"), (good.ExitCode, good.Stdout));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("password authentication failed for user \"pgxc\"", bad.Stderr);
    }
}
