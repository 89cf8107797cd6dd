using PgxcBot.Core.Remote;
using PgxcBot.Ssh;
using PgxcBot.Tests.Support;

namespace PgxcBot.IntegrationTests.Ssh;

public sealed class SshRemoteShellTests : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private SshServer _server = null!;
    private SshRemoteShell _shell = null!;

    public async Task InitializeAsync()
    {
        _server = await SshServer.StartAsync();
        _shell = new SshRemoteShell(NullSecrets.Instance, TimeSpan.FromSeconds(5), NullLogger<SshRemoteShell>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _shell.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Runs_as_the_configured_user_and_captures_exit_code_and_both_streams()
    {
        var ok = await _shell.RunAsync(_server.Host(), ShellCommand.Of("id", "-un"), CommandTimeout, default);
        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(_server.User, ok.StandardOutput.Trim());

        var failed = await _shell.RunAsync(_server.Host(), ShellCommand.Of("sh", "-c", "echo out; echo oops >&2; exit 3"), CommandTimeout, default);
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("out", failed.StandardOutput.Trim());
        Assert.Equal("oops", failed.StandardError.Trim());
        Assert.Contains("oops", failed.Excerpt());
    }

    [Fact]
    public async Task Arguments_arrive_verbatim_so_nothing_can_be_injected()
    {
        const string hostile = "it's $(touch /tmp/pgxcbot-pwned) `id`; echo \"x\" | cat\n& more";
        var result = await _shell.RunAsync(_server.Host(), ShellCommand.Of("printf", "%s", hostile), CommandTimeout, default);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(hostile, result.StandardOutput);
        Assert.False(File.Exists("/tmp/pgxcbot-pwned"));
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_and_the_offered_fingerprint_is_shown()
    {
        var pinned = "SHA256:" + new string('A', 43);
        var e = await Assert.ThrowsAsync<RemoteExecutionException>(() =>
            _shell.RunAsync(_server.Host(fingerprint: pinned), ShellCommand.Of("true"), CommandTimeout, default));
        Assert.Equal(RemoteFailure.HostKeyRejected, e.Failure);
        Assert.Contains(_server.HostKeyFingerprint, e.Message);
        Assert.Contains(pinned, e.Message);
        Assert.Contains("hostKeyFingerprint", e.Message);
    }

    [Fact]
    public async Task A_host_without_a_pinned_key_is_refused_too_never_trusted_on_first_use()
    {
        var host = _server.Host() with { HostKeyFingerprint = null };
        var e = await Assert.ThrowsAsync<RemoteExecutionException>(() => _shell.RunAsync(host, ShellCommand.Of("true"), CommandTimeout, default));
        Assert.Equal(RemoteFailure.HostKeyRejected, e.Failure);
        Assert.Contains(_server.HostKeyFingerprint, e.Message);
        Assert.Contains("no fingerprint is pinned", e.Message);
    }

    [Fact]
    public async Task A_key_the_server_does_not_know_is_an_authentication_failure_naming_the_user()
    {
        var otherKey = Path.Combine(_server.Folder, "host_key"); // a valid key, but not in authorized_keys
        var e = await Assert.ThrowsAsync<RemoteExecutionException>(() =>
            _shell.RunAsync(_server.Host(keyFile: otherKey), ShellCommand.Of("true"), CommandTimeout, default));
        Assert.Equal(RemoteFailure.AuthenticationFailed, e.Failure);
        Assert.Contains(_server.User, e.Message);
    }

    [Fact]
    public async Task A_command_past_its_timeout_is_cancelled_and_reported()
    {
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<RemoteExecutionException>(() =>
            _shell.RunAsync(_server.Host(), ShellCommand.Of("sleep", "30"), TimeSpan.FromSeconds(1), default));
        Assert.Equal(RemoteFailure.Timeout, e.Failure);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "the timeout must cut the command short");
    }

    [Fact]
    public async Task The_connection_is_reused_and_opened_again_after_the_server_drops_it()
    {
        var first = await _shell.RunAsync(_server.Host(), ShellCommand.Of("sh", "-c", "echo $PPID"), CommandTimeout, default);
        var second = await _shell.RunAsync(_server.Host(), ShellCommand.Of("true"), CommandTimeout, default);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);

        _server.StopDaemon();
        await _server.StartDaemonAsync();

        // The drop may surface on the next command as ConnectionLost (it was never re-sent); by the one
        // after, the shell must have connected again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var failures = 0;
        while (true)
        {
            try
            {
                var again = await _shell.RunAsync(_server.Host(), ShellCommand.Of("id", "-un"), CommandTimeout, default);
                Assert.Equal(_server.User, again.StandardOutput.Trim());
                break;
            }
            catch (RemoteExecutionException e) when (e.Failure == RemoteFailure.ConnectionLost && DateTime.UtcNow < deadline)
            {
                failures++;
            }
        }
        Assert.True(failures <= 1, $"expected at most one ConnectionLost after the drop, saw {failures}");
    }
}
