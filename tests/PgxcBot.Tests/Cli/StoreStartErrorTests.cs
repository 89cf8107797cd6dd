using System.Diagnostics;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

/// <summary>
/// A store path that can never work stops the CLI at start with exit 2 and an error naming the file and the
/// fix, not exit 3 and a raw SQLite message.
/// </summary>
public sealed class StoreStartErrorTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string ConfigWithStore(string storePath)
    {
        var config = _directory.Runnable();
        config["store"] = new System.Text.Json.Nodes.JsonObject { ["path"] = storePath };
        return _directory.Write("pgxcbot.json", config.ToJsonString());
    }

    // status is a Nagios check (a store that cannot open is UNKNOWN there, see StatusAndConsoleTests); every other command says 2.
    private async Task<CliRun> StatusAsync(string storePath) => await CliRun.RunAsync(["run", "/pgxc status", "--config", ConfigWithStore(storePath)]);

    [Fact]
    public async Task A_directory_as_store_path_is_exit_2_naming_it_and_a_file_to_use()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_directory.Path, "state")).FullName;
        var run = await StatusAsync(dir);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains($"store.path: {dir} is a directory", run.Error);
        Assert.Contains(Path.Combine(dir, "pgxcbot.db"), run.Error);
    }

    [Fact]
    public async Task A_missing_directory_is_exit_2_with_the_mkdir_to_run()
    {
        var file = Path.Combine(_directory.Path, "no", "such", "state.db");
        var run = await StatusAsync(file);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains($"the directory {Path.GetDirectoryName(file)} of {file} does not exist", run.Error);
        Assert.Contains("install -d -m 0700", run.Error);
    }

    [Theory]
    [InlineData("this is not a database, it is a note someone saved over the store\n")]
    [InlineData("SQLite format 3\0 but the rest is garbage")]
    public async Task A_file_that_is_not_a_sqlite_database_is_exit_2_with_what_to_do(string content)
    {
        var file = Path.Combine(_directory.Path, "state.db");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat(content, 200)));
        var run = await StatusAsync(file);
        Assert.Equal(ExitCodes.BadConfig, run.ExitCode);
        Assert.Contains($"store.path '{file}' is not a SQLite database, or it is damaged", run.Error);
        Assert.Contains($"mv '{file}' '{file}.broken'", run.Error);
        Assert.DoesNotContain("SqliteException", run.Error);
    }

    [Fact]
    public async Task A_read_only_store_file_is_exit_2_naming_it_and_the_fix()
    {
        if (!OperatingSystem.IsLinux()) return; // file modes and setpriv are Linux things; CI is Linux
        var file = Path.Combine(_directory.Path, "state.db");
        await PgxcBot.Store.SqliteStore.OpenAsync(file, null, default);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // Local hosts: no SSH key for "nobody" to be refused first.
        var json = TestConfigs.Minimal();
        foreach (var host in json["hosts"]!.AsArray())
        {
            var h = host!.AsObject();
            h["transport"] = "local";
            h.Remove("keyFile");
            h.Remove("hostKeyFingerprint");
        }
        json["store"] = new System.Text.Json.Nodes.JsonObject { ["path"] = file };
        var config = _directory.Write("pgxcbot.json", json.ToJsonString());

        int exit;
        string error;
        if (Environment.UserName != "root")
        {
            var run = await CliRun.RunAsync(["run", "/pgxc status", "--config", config]);
            (exit, error) = (run.ExitCode, run.Error);
        }
        else
        {
            // Root writes any file: run the real CLI as "nobody", for whom the file is read-only.
            File.SetUnixFileMode(_directory.Path, (UnixFileMode)0b111_101_101);
            (exit, error) = await RunAsNobodyAsync(["run", "/pgxc status", "--config", config]);
        }
        Assert.Equal(ExitCodes.BadConfig, exit);
        Assert.Contains($"store.path '{file}' is read-only for this process", error);
        Assert.Contains("make the file and its directory writable for the bot's user", error);
    }

    private static async Task<(int Exit, string Error)> RunAsNobodyAsync(string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "pgxcbot.dll");
        var info = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                     Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", cli })
            info.ArgumentList.Add(arg);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["HOME"] = Path.GetTempPath();
        foreach (var (name, value) in CliRun.TestVariables) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await error + await output);
    }
}
