using PgxcBot.IntegrationTests.SharedStore;

namespace PgxcBot.IntegrationTests;

/// <summary>
/// Entry point when this test assembly runs as a child process (<c>dotnet PgxcBot.IntegrationTests.dll ROLE ...</c>):
/// a bot replica on a shared store, for the kill -9 / SIGSTOP tests. The test runner never calls it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        [ReplicaChild.Role, .. var rest] => await ReplicaChild.RunAsync(rest, Console.In, Console.Out),
        _ => 64,
    };
}
