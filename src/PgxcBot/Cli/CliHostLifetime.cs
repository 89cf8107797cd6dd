using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;

namespace PgxcBot.Cli;

/// <summary>
/// The host's lifetime for a CLI command: it listens to no signal, because <see cref="CliSignals"/> already turns
/// Ctrl+C, SIGTERM, SIGQUIT and SIGHUP into the cancellation of the command, after which the host is stopped. Under
/// systemd (Type=notify) it still says READY=1 once the host has started and STOPPING=1 when it stops, as
/// <see cref="SystemdLifetime"/> does.
/// </summary>
/// <remarks>
/// Why not the default lifetimes: ConsoleLifetime and SystemdLifetime stop the application from their own signal
/// handlers, also while the host is still starting. The host links every background service's stopping token to its
/// start token and to ApplicationStopping, so such a stop ends those services before the host's StopAsync runs, and
/// the host then logs each as "BackgroundService failed" with a TaskCanceledException (Microsoft.Extensions.Hosting
/// Host.TryExecuteBackgroundServiceAsync ignores a cancellation only once StopAsync was called). Seen in CI: Ctrl+C
/// while the lab's console started.
/// </remarks>
internal sealed class CliHostLifetime(IHostApplicationLifetime lifetime, ISystemdNotifier? systemd = null) : IHostLifetime, IDisposable
{
    private readonly List<CancellationTokenRegistration> _registrations = [];

    /// <summary>Starts at once; registers the systemd notifications when the process runs as a notify service.</summary>
    public Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        if (systemd is { IsEnabled: true } notifier)
        {
            _registrations.Add(lifetime.ApplicationStarted.Register(() => notifier.Notify(ServiceState.Ready)));
            _registrations.Add(lifetime.ApplicationStopping.Register(() => notifier.Notify(ServiceState.Stopping)));
        }
        return Task.CompletedTask;
    }

    /// <summary>Nothing to undo: the CLI owns the process's signals.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}
