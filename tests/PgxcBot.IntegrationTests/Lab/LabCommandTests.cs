using PgxcBot.Cli;

namespace PgxcBot.IntegrationTests.Lab;

/// <summary><c>pgxcbot lab</c> driven like a newcomer would, with the console's input scripted.</summary>
public sealed class LabCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pgxcbot-labcmd-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private async Task<(int ExitCode, string Out, string Error)> LabAsync(string input, params string[] extra)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var exit = await CliApp.RunAsync(["lab", "--folder", _folder, .. extra], new CliIo(new StringReader(input), output, error, InputRedirected: true),
            cancellationToken: timeout.Token);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task The_lab_comes_up_healthy_a_promote_needs_bob_and_everything_is_removed_on_exit()
    {
        var run = await LabAsync("""
            /pgxc status
            /pgxc promote datanode1
            /pgxc as bob approve 1
            /pgxc status datanode1
            exit
            """);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Contains("ready. You are alice", run.Error);
        Assert.Contains("[OK] Cluster: healthy", run.Out);
        Assert.Contains("datanode1: Sync", run.Out);
        Assert.Contains("datanode2: Sync", run.Out);
        Assert.Contains("Operation 1: promote datanode1 - awaiting approval", run.Out);
        Assert.Contains("bob> /pgxc approve 1", run.Out);
        Assert.Contains("Operation 1: promote datanode1 - succeeded", run.Out);
        Assert.Contains("repointed", run.Out);
        Assert.Contains("(stored: Promoted)", run.Out);
        Assert.Contains("/pgxc rebuild datanode1", run.Out);
        Assert.False(Directory.Exists(_folder), "the lab folder is removed on exit");
    }

    [Fact]
    public async Task Drill_the_master_dies_bob_approves_the_promote_and_the_rebuild_and_the_pair_is_sync_again()
    {
        var run = await LabAsync("""
            /lab kill master datanode1
            /pgxc status datanode1
            /pgxc promote datanode1
            /pgxc as bob approve 1
            /pgxc status datanode1
            /pgxc rebuild datanode1
            /pgxc as bob approve 2
            /pgxc status datanode1
            exit
            """);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Error);
        Assert.Contains("Drill: kill the master of datanode1", run.Out);
        Assert.Contains("datanode1: MasterLost (stored: DegradedMasterLost)", run.Out);
        Assert.True(run.Out.Contains("promoting it is safe", StringComparison.OrdinalIgnoreCase), run.Out); // the bot saw the pair in sync at start
        Assert.Contains("Operation 1: promote datanode1 - awaiting approval", run.Out);
        Assert.Contains("Operation 1: promote datanode1 - succeeded", run.Out);
        Assert.Contains("(stored: Promoted)", run.Out);
        Assert.Contains("Operation 2: rebuild datanode1 - succeeded", run.Out);
        var finalStatus = run.Out[run.Out.LastIndexOf("alice> /pgxc status datanode1", StringComparison.Ordinal)..];
        Assert.Contains("datanode1: Sync (stored: Sync)", finalStatus);
    }

    [Fact]
    public async Task The_lab_runs_as_a_normal_user_too()
    {
        // As root, run the CLI as an unprivileged user; as a normal user, run it as ourselves.
        const string user = "pgxcbot-user";
        var start = new System.Diagnostics.ProcessStartInfo { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.UserName == "root")
        {
            using (var add = System.Diagnostics.Process.Start("sh", ["-c", $"id -u {user} >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin {user}"])!)
                await add.WaitForExitAsync();
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", user, "--", "dotnet" }) start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = "dotnet";
        }
        foreach (var a in new[] { typeof(CliApp).Assembly.Location, "lab", "--folder", _folder }) start.ArgumentList.Add(a);
        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var process = System.Diagnostics.Process.Start(start)!;
        await process.StandardInput.WriteAsync("/pgxc status\nexit\n");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);

        Assert.True(process.ExitCode == ExitCodes.Ok, await error);
        Assert.Contains($"servers run as {(Environment.UserName == "root" ? user : Environment.UserName)}", await error);
        Assert.Contains("[OK] Cluster: healthy", await output);
    }

    [Fact]
    public async Task A_kept_lab_stays_until_lab_down()
    {
        var run = await LabAsync("exit\n", "--keep");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("pgxcbot lab down", run.Error);
        Assert.NotEmpty(Directory.GetFiles(_folder, "postmaster.pid", SearchOption.AllDirectories));

        // A second lab in the kept lab's folder would delete its store: refused, with the command that frees it.
        var second = await LabAsync("exit\n");
        Assert.Equal(ExitCodes.BadConfig, second.ExitCode);
        Assert.Contains($"holds a lab left behind (kept with --keep, or its console was killed): its servers may still run. Remove it with: pgxcbot lab down --folder {_folder}", second.Error);
        Assert.NotEmpty(Directory.GetFiles(_folder, "postmaster.pid", SearchOption.AllDirectories));

        var down = await LabAsync("", "down");
        Assert.Equal(ExitCodes.Ok, down.ExitCode);
        Assert.Contains("stopped 4 server(s)", down.Out);
        Assert.False(Directory.Exists(_folder));
    }
}
