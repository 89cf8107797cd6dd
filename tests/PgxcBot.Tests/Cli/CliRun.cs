using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Cli;

namespace PgxcBot.Tests.Cli;

/// <summary>Runs the CLI in-process and captures its streams.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(string[] args, string stdin = "", bool redirected = true,
        Action<IServiceCollection>? overrides = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // Bounded so that a hung run fails the test instead of blocking the suite.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await CliApp.RunAsync(args, new CliIo(new StringReader(stdin), output, error, redirected), overrides, timeout.Token);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

/// <summary>A temporary directory holding config files; removed on dispose.</summary>
internal sealed class TempConfigDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("pgxcbot-cli-").FullName;

    public string Write(string name, string json)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, json);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
