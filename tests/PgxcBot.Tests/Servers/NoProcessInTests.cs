using System.Diagnostics;
using PgxcBot.Core.Servers;

namespace PgxcBot.Tests.Servers;

/// <summary>The check the rebuild waits on after a kill -9 (a Postgres-XL pooler lingers): run by a real
/// sh against real processes, since the whole point is what the shell does.</summary>
public sealed class NoProcessInTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-noproc-").FullName;

    [Fact]
    public async Task A_process_working_in_the_directory_fails_the_check_and_is_named()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "30") { WorkingDirectory = _dir })!;
        try
        {
            var (code, stderr) = await RunAsync(PgTools.NoProcessIn(_dir));
            Assert.Equal(1, code);
            Assert.Contains($"process {sleeper.Id} still runs in", stderr, StringComparison.Ordinal);
        }
        finally { sleeper.Kill(); }
    }

    [Fact]
    public async Task No_process_there_or_no_directory_passes()
    {
        Assert.Equal(0, (await RunAsync(PgTools.NoProcessIn(_dir))).Code);
        Assert.Equal(0, (await RunAsync(PgTools.NoProcessIn(Path.Combine(_dir, "gone")))).Code);
    }

    [Fact]
    public async Task A_process_in_a_subdirectory_or_a_sibling_does_not_count()
    {
        var sub = Directory.CreateDirectory(Path.Combine(_dir, "sub")).FullName;
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "30") { WorkingDirectory = sub })!;
        try { Assert.Equal(0, (await RunAsync(PgTools.NoProcessIn(_dir))).Code); }
        finally { sleeper.Kill(); }
    }

    private static async Task<(int Code, string Stderr)> RunAsync(PgxcBot.Core.Remote.ShellCommand command)
    {
        var start = new ProcessStartInfo(command.Arguments[0]) { RedirectStandardError = true };
        foreach (var argument in command.Arguments.Skip(1)) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
