namespace PgxcBot.Tests;

/// <summary>
/// Entry point when this test assembly runs as a child process (<c>dotnet PgxcBot.Tests.dll ROLE ...</c>), for
/// tests that need several real processes on one store file. The test runner never calls it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args) => args switch
    {
        [ApprovalRaceChild.Role, .. var rest] => await ApprovalRaceChild.RunAsync(rest, Console.In, Console.Out),
        _ => 64,
    };
}
