using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Hosting.Systemd;

namespace PgxcBot.Tests.Cli;

/// <summary>
/// The CLI's host lifetime under systemd (deploy/pgxcbot.service is Type=notify): READY=1 once the host has started,
/// STOPPING=1 when it stops, as SystemdLifetime said them before it was replaced; nothing said outside systemd.
/// </summary>
public sealed class CliHostLifetimeTests
{
    private sealed class RecordingNotifier(bool enabled) : ISystemdNotifier
    {
        public List<string> Said { get; } = [];
        public bool IsEnabled => enabled;
        public void Notify(ServiceState state) => Said.Add(state.ToString());
    }

    [Fact]
    public async Task Under_systemd_it_says_ready_once_started_and_stopping_when_the_host_stops()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var systemd = new RecordingNotifier(enabled: true);
        using var host = new PgxcBot.Cli.CliHostLifetime(lifetime, systemd);

        await host.WaitForStartAsync(CancellationToken.None);
        Assert.Empty(systemd.Said);
        lifetime.NotifyStarted();
        Assert.Equal([ServiceState.Ready.ToString()], systemd.Said);
        lifetime.StopApplication();
        Assert.Equal([ServiceState.Ready.ToString(), ServiceState.Stopping.ToString()], systemd.Said);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Outside_systemd_it_says_nothing()
    {
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        var notifier = new RecordingNotifier(enabled: false);
        using var host = new PgxcBot.Cli.CliHostLifetime(lifetime, notifier);

        await host.WaitForStartAsync(CancellationToken.None);
        lifetime.NotifyStarted();
        lifetime.StopApplication();

        Assert.Empty(notifier.Said);
    }
}
