using PgxcBot.Core.Remote;
using PgxcBot.Ssh;

namespace PgxcBot.IntegrationTests.Ssh;

public sealed class LocalShellTests
{
    private static Host LocalHost(string user) => new("lab", "127.0.0.1", TransportKind.Local, 22, user, null, null, null);

    [Fact]
    public async Task Runs_as_the_host_user_through_runuser_when_root()
    {
        var shell = new LocalShell(NullLogger<LocalShell>.Instance);
        await using var server = await SshServer.StartAsync(); // only to get a login user created
        var result = await shell.RunAsync(LocalHost(server.User), ShellCommand.Of("id", "-un"), TimeSpan.FromSeconds(10), default);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(server.User, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Passes_arguments_verbatim_and_reports_exit_codes()
    {
        var shell = new LocalShell(NullLogger<LocalShell>.Instance);
        const string hostile = "a'b $(id) ;|& \"c\"";
        var result = await shell.RunAsync(LocalHost(Environment.UserName), ShellCommand.Of("sh", "-c", "printf '%s' \"$1\"; exit 4", "sh", hostile),
            TimeSpan.FromSeconds(10), default);
        Assert.Equal(4, result.ExitCode);
        Assert.Equal(hostile, result.StandardOutput);
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_killed()
    {
        var shell = new LocalShell(NullLogger<LocalShell>.Instance);
        var e = await Assert.ThrowsAsync<RemoteExecutionException>(() =>
            shell.RunAsync(LocalHost(Environment.UserName), ShellCommand.Of("sleep", "30"), TimeSpan.FromMilliseconds(300), default));
        Assert.Equal(RemoteFailure.Timeout, e.Failure);
    }
}
