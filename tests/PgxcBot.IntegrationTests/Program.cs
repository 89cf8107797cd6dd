using PgxcBot.Cli;
using PgxcBot.IntegrationTests.Replicas;
using PgxcBot.IntegrationTests.Store;

namespace PgxcBot.IntegrationTests;

/// <summary>
/// Entry point when this test assembly runs as a child process (<c>dotnet PgxcBot.IntegrationTests.dll ROLE ...</c>):
/// a bot replica on a shared store, for the kill -9 / SIGSTOP tests, reduced (<see cref="ReplicaChild"/>) or the whole
/// bot (<c>pgxcbot ARGS</c>: the same entry as the pgxcbot program). The test runner never calls it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        [ReplicaChild.Role, .. var rest] => await ReplicaChild.RunAsync(rest, Console.In, Console.Out),
        ["pgxcbot", .. var rest] => await RunBotAsync(rest),
        _ => 64,
    };

    private static async Task<int> RunBotAsync(string[] args)
    {
        using var signals = new CliSignals();
        return await CliApp.RunAsync(args, CliIo.FromConsole(), cancellationToken: signals.Stopping);
    }
}
