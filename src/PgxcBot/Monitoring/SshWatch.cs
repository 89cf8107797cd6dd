using Microsoft.Extensions.Logging;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Monitoring;

/// <summary>
/// Checks that every host with transport ssh still runs commands (a <c>true</c> through the remote shell),
/// beside the poll loop: <see cref="Tick"/> only starts the checks that are due and returns at once, so a
/// black-holed host never delays a poll, and each host has at most one check running. A host is reported
/// lost after two failed checks in a row; the second comes one poll interval after the first failure
/// (a single dropped connection does not alert), then checks go back to the slow cadence.
/// Thread-safe: the loop ticks while checks finish on the thread pool.
/// </summary>
public sealed class SshWatch(IRemoteShell shell, TimeProvider time, ILogger<SshWatch> logger)
{
    /// <summary>Failed checks in a row before a host counts as lost.</summary>
    public const int FailuresToReport = 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, HostState> _hosts = new(StringComparer.Ordinal);

    /// <summary>Starts the checks that are due: a host never checked, one whose last check started
    /// <paramref name="every"/> ago, or <paramref name="confirmAfter"/> ago when only its last check failed.</summary>
    public void Tick(ClusterTopology topology, TimeSpan every, TimeSpan confirmAfter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var now = time.GetUtcNow();
        foreach (var host in topology.Hosts.Where(h => h.Transport == TransportKind.Ssh))
        {
            lock (_gate)
            {
                if (!_hosts.TryGetValue(host.Name, out var state)) _hosts[host.Name] = state = new HostState();
                if (state.Running is { IsCompleted: false }) continue;
                var wait = state.Failures > 0 && state.Failures < FailuresToReport ? confirmAfter : every;
                if (state.LastStarted is { } started && now - started < wait) continue;
                state.LastStarted = now;
                state.Running = Task.Run(() => CheckAsync(host, state, timeout, cancellationToken), CancellationToken.None);
            }
        }
    }

    /// <summary>The ssh-lost alert candidates: one per host of <paramref name="topology"/> lost now.</summary>
    public IReadOnlyList<AlertCandidate> Candidates(ClusterTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var list = new List<AlertCandidate>();
        lock (_gate)
        {
            foreach (var host in topology.Hosts.Where(h => h.Transport == TransportKind.Ssh))
                if (_hosts.TryGetValue(host.Name, out var state) && state.Failures >= FailuresToReport && state.Last is { } last)
                    list.Add(SshAlerts.Candidate(topology, host, last, state.LastAnswered));
        }
        return list;
    }

    /// <summary>
    /// The subjects (<c>host/NAME</c>) of ssh hosts without a verdict yet: never checked to the end (just
    /// started, or restarted with an ssh-lost incident open), or failed fewer than
    /// <see cref="FailuresToReport"/> times in a row. Their incidents must be held, not cleared: "no
    /// candidate" from such a host means "not known yet", not "SSH works".
    /// </summary>
    public IReadOnlySet<string> Undecided(ClusterTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var undecided = new HashSet<string>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var host in topology.Hosts.Where(h => h.Transport == TransportKind.Ssh))
                if (!_hosts.TryGetValue(host.Name, out var state) || state.Last is null || state.Failures is > 0 and < FailuresToReport)
                    undecided.Add(SshAlerts.Subject(host.Name));
        }
        return undecided;
    }

    /// <summary>The last check of <paramref name="hostName"/>, if any ran.</summary>
    public SshCheckResult? Last(string hostName)
    {
        lock (_gate) return _hosts.GetValueOrDefault(hostName)?.Last;
    }

    /// <summary>Completes when no check is running (shutdown, tests).</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate) return Task.WhenAll(_hosts.Values.Select(s => s.Running).OfType<Task>().ToArray());
    }

    /// <summary>One check now, outside the cadence and without changing the watch's state: whether a
    /// runbook could run on <paramref name="host"/> at this moment (e.g. fencing before a failover).</summary>
    public Task<SshCheckResult> CheckNowAsync(Host host, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(host, timeout, cancellationToken);

    private async Task CheckAsync(Host host, HostState state, TimeSpan timeout, CancellationToken cancellationToken)
    {
        SshCheckResult result;
        try
        {
            result = await RunAsync(host, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: a check cut short is no finding.
            return;
        }
        int failures;
        lock (_gate)
        {
            state.Failures = result.Answered ? 0 : state.Failures + 1;
            if (result.Answered) state.LastAnswered = result.At;
            failures = state.Failures;
            var was = state.Last;
            state.Last = result;
            if (result.Answered && was is { Answered: false })
                logger.LogInformation("SSH to {Host} answers again", host.Name);
        }
        if (!result.Answered)
            logger.LogWarning("SSH check of {Host} failed ({Failures} in a row): {Failure} {Detail}", host.Name, failures, result.Failure, result.Detail);
    }

    private async Task<SshCheckResult> RunAsync(Host host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var run = await shell.RunAsync(host, ShellCommand.Of("true"), timeout, cancellationToken).ConfigureAwait(false);
            return run.Succeeded
                ? new SshCheckResult(true, null, "", time.GetUtcNow())
                : new SshCheckResult(false, null, $"exit code {run.ExitCode}: {run.Excerpt(200)}", time.GetUtcNow());
        }
        catch (RemoteExecutionException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new SshCheckResult(false, e.Failure, e.Message, time.GetUtcNow());
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Only the type reaches chat: an unexpected exception's message is not known to be free of secrets.
            logger.LogError(e, "SSH check of {Host} failed unexpectedly", host.Name);
            return new SshCheckResult(false, null, $"unexpected {e.GetType().Name}; see the bot's log", time.GetUtcNow());
        }
    }

    private sealed class HostState
    {
        public DateTimeOffset? LastStarted;
        public Task? Running;
        public int Failures;
        public SshCheckResult? Last;
        public DateTimeOffset LastAnswered = DateTimeOffset.MinValue;
    }
}
