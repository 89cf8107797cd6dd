using PgxcBot.Cli;

namespace PgxcBot.IntegrationTests.RealClusters;

/// <summary><c>pgxcbot lab --flavor postgres-xl</c> on the installation of PGXCBOT_XL_HOME.</summary>
public sealed class XlLabCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pgxcbot-xllab-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [XlFact]
    public async Task Lab_on_a_real_xl_cluster_takes_status_and_drills_and_removes_everything_on_exit()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var exit = await CliApp.RunAsync(["lab", "--folder", _folder, "--flavor", "postgres-xl"],
            new CliIo(new StringReader("/pgxc status\n/lab kill master datanode2\nexit\n"), output, error, InputRedirected: true),
            cancellationToken: timeout.Token);

        var (stdout, stderr) = (output.ToString(), error.ToString());
        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Contains($"postgres-xl installation: {Environment.GetEnvironmentVariable("PGXCBOT_XL_HOME")!.TrimEnd('/')}", stderr);
        Assert.Contains("coord1: coordinator on 127.0.0.1:", stderr);
        Assert.Contains("coord2: coordinator on 127.0.0.1:", stderr);
        Assert.Contains("gtm: 127.0.0.1:", stderr);
        Assert.Contains("ready. You are alice", stderr);
        Assert.Contains("alice> /pgxc status", stdout);
        Assert.Contains("Drill: kill the master of datanode2", stdout);
        Assert.False(Directory.Exists(_folder) && Directory.EnumerateFileSystemEntries(_folder).Any(), "the lab folder is emptied on exit");
    }
}
