using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

/// <summary>Runs the CLI in-process and captures its streams.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    /// <summary>The environment a runnable test config needs: the database password variable it names.</summary>
    public static readonly IReadOnlyDictionary<string, string> TestVariables =
        new Dictionary<string, string> { ["PGXCBOT_DB_PASSWORD"] = "test-password" };

    /// <param name="variables">The process environment as the CLI sees it (secrets); default <see cref="TestVariables"/>.</param>
    public static async Task<CliRun> RunAsync(string[] args, string stdin = "", bool redirected = true,
        Action<IServiceCollection>? overrides = null, IReadOnlyDictionary<string, string>? variables = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = variables ?? TestVariables;
        // Bounded so that a hung run fails the test instead of blocking the suite.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var io = new CliIo(new StringReader(stdin), output, error, redirected) { Variables = name => environment.GetValueOrDefault(name) };
        var code = await CliApp.RunAsync(args, io, overrides, timeout.Token);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

/// <summary>A temporary directory holding config files; removed on dispose.</summary>
internal sealed class TempConfigDirectory : IDisposable
{
    private string? _keyFile;

    public string Path { get; } = Directory.CreateTempSubdirectory("pgxcbot-cli-").FullName;

    public string Write(string name, string json)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, json);
        return file;
    }

    /// <summary>An unencrypted SSH private key (mode 0600) the bot accepts at start.</summary>
    public string KeyFile => _keyFile ??= OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : TestKeys.WritePlain(System.IO.Path.Combine(Path, "id_ecdsa"));

    /// <summary><see cref="TestConfigs.Minimal"/> made startable on this machine: its key file exists with
    /// mode 0600 and its store lives here (the password variable comes from <see cref="CliRun.TestVariables"/>).</summary>
    public JsonObject Runnable()
    {
        var config = TestConfigs.Minimal();
        foreach (var host in config["hosts"]!.AsArray()) host!["keyFile"] = KeyFile;
        config["store"] = new JsonObject { ["path"] = System.IO.Path.Combine(Path, "pgxcbot.db") };
        return config;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
