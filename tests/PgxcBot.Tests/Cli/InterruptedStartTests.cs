using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Net.Sockets;
using PgxcBot.Core.Observation;
using PgxcBot.Hosting;
using PgxcBot.Tests.Messages;

namespace PgxcBot.Tests.Cli;

/// <summary>
/// Ctrl+C (the command's cancellation, as CliSignals gives it) while the host is still starting, or while the monitor
/// polls: a clean stop, exit 130, every background service ended by the host's stop and nothing logged as failed (CI
/// once printed a TaskCanceledException from the lab here; a monitor poll cut short by the stop logged the DNS error
/// its probe got as a failed poll).
/// </summary>
public sealed class InterruptedStartTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    /// <summary>A background service that notes whether its stopping token fired before the host began to stop.</summary>
    private sealed class Watching(IHostApplicationLifetime lifetime, Observed observed) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var noted = stoppingToken.Register(() => observed.EndedBeforeHostStop = !lifetime.ApplicationStopping.IsCancellationRequested);
            observed.Running.TrySetResult();
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }

    private sealed class Observed
    {
        public TaskCompletionSource Running { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool? EndedBeforeHostStop { get; set; }
    }

    /// <summary>Started after every other hosted service: the signal arrives once they have all started.</summary>
    private sealed class SignalWhileStarting(CancellationTokenSource signal, Observed observed) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            await observed.Running.Task.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            await signal.CancelAsync();
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class FixedStatus : IClusterStatusSource
    {
        public Task<ClusterStatus> GetAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new ClusterStatus(Scenarios.Healthy(), new Dictionary<string, PgxcBot.Core.Pairs.PairState>()));
    }

    [Theory]
    [InlineData("console")]
    [InlineData("serve")]
    public async Task A_signal_while_the_host_starts_stops_it_cleanly_and_no_service_ends_before_the_hosts_stop(string command)
    {
        var config = _directory.Write("pgxcbot.json", _directory.Runnable().ToJsonString());
        var observed = new Observed();
        using var signal = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIo(new StringReader(""), output, error, InputRedirected: true)
        {
            Variables = name => CliRun.TestVariables.GetValueOrDefault(name),
        };

        var exit = await CliApp.RunAsync([command, "--config", config], io, services =>
        {
            services.AddSingleton<IClusterStatusSource>(new FixedStatus());
            services.AddSingleton(observed);
            services.AddHostedService<Watching>();
            services.AddSingleton<IHostedService>(new SignalWhileStarting(signal, observed));
        }, signal.Token);

        Assert.True(exit == ExitCodes.Interrupted, $"exit {exit}\n{output}\n{error}");
        Assert.False(observed.EndedBeforeHostStop, "a background service was ended by the signal before the host's stop");
        Assert.False(error.ToString().Contains("Exception", StringComparison.Ordinal) || error.ToString().Contains("BackgroundService", StringComparison.Ordinal),
            $"a failure in the output:\n{error}");
    }

    /// <summary>A cluster whose probe waits until it is cancelled, then fails with what a cut-short probe rethrows: the
    /// error it got (here a DNS failure), not a cancellation.</summary>
    private sealed class ProbeCutShortByTheStop : IClusterObserver
    {
        public TaskCompletionSource Probing { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<ClusterSnapshot> ObserveAsync(ClusterTopology topology, CancellationToken cancellationToken)
        {
            Probing.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            throw new SocketException((int)SocketError.HostNotFound);
        }
    }

    /// <summary>Hosts whose SSH check waits until it is cancelled, then fails the way a cut-short login does.</summary>
    private sealed class LoginCutShortByTheStop : PgxcBot.Core.Remote.IRemoteShell
    {
        public async Task<PgxcBot.Core.Remote.CommandResult> RunAsync(PgxcBot.Core.Topology.Host host, PgxcBot.Core.Remote.ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            throw new PgxcBot.Core.Remote.RemoteExecutionException(host.Name, PgxcBot.Core.Remote.RemoteFailure.Unreachable, "the connection was closed");
        }
    }

    [Theory]
    [InlineData("serve", ExitCodes.Ok)] // a stop asked for: its normal end (systemd's stop)
    [InlineData("console", ExitCodes.Interrupted)]
    public async Task A_signal_while_the_monitor_polls_ends_the_poll_without_calling_it_failed(string command, int expected)
    {
        var config = _directory.Write("pgxcbot.json", _directory.Runnable().ToJsonString());
        var observer = new ProbeCutShortByTheStop();
        using var signal = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIo(new StringReader(""), output, error, InputRedirected: command == "serve")
        {
            Variables = name => CliRun.TestVariables.GetValueOrDefault(name),
        };
        // The console watches only when asked to; its input is a terminal nobody types into.
        using var input = new BlockingReader();
        if (command == "console") io = io with { In = input };

        var run = CliApp.RunAsync(command == "console" ? [command, "--config", config, "--monitor"] : [command, "--config", config], io, services =>
        {
            services.AddSingleton<IClusterStatusSource>(new FixedStatus());
            services.AddSingleton<IClusterObserver>(observer);
            services.AddSingleton<PgxcBot.Core.Remote.IRemoteShell>(new LoginCutShortByTheStop());
        }, signal.Token);
        await observer.Probing.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await signal.CancelAsync();
        var exit = await run;

        // The monitor polls from the host's start, so the signal may also come before the command itself began (the
        // start-up reconciliation): then it is the interrupted start, 130, for serve too (seen in CI).
        Assert.True(exit == expected || exit == ExitCodes.Interrupted, $"exit {exit}\n{output}\n{error}");
        Assert.False(error.ToString().Contains("Exception", StringComparison.Ordinal) || error.ToString().Contains("poll failed", StringComparison.Ordinal)
            || error.ToString().Contains("SSH check", StringComparison.Ordinal),
            $"a failure in the output:\n{error}");
    }

    /// <summary>A terminal nobody types into: a read waits until the test ends.</summary>
    private sealed class BlockingReader : TextReader
    {
        private readonly ManualResetEventSlim _released = new();

        public override string? ReadLine()
        {
            _released.Wait();
            return null;
        }

        protected override void Dispose(bool disposing)
        {
            _released.Set();
            base.Dispose(disposing);
        }
    }
}
