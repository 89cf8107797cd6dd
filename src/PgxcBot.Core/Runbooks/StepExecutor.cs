using System.Diagnostics;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks;

/// <summary>
/// Runs one step: first asks whether its effect is already there (so a resumed or repeated runbook only
/// does what is still needed); runs the action (again, within the timeout, when the step may be re-run);
/// then polls the verification until it says yes or time is up. A step succeeds only when its
/// verification does, never because a command printed something.
/// </summary>
public sealed class StepExecutor(IRemoteShell shell, ISqlExecutor sql, TimeProvider time, Gtm.IGtmClient? gtm = null)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The SQL port the steps run through (planners that must ask the servers first use it too).</summary>
    public ISqlExecutor Sql => sql;

    public async Task<StepOutcome> RunAsync(RunbookStep step, ClusterTopology topology, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        if (step.DoneWhen is not null)
        {
            var done = await AskAsync(step.DoneWhen, topology, ProbeTimeout, cancellationToken).ConfigureAwait(false);
            if (done.Yes)
                return new StepOutcome(StepStatus.Skipped, $"already done: {step.DoneWhen.Description}", null, time.GetElapsedTime(started), 0);
        }

        var deadline = started + (long)(step.Timeout.TotalSeconds * time.TimestampFrequency);
        var attempts = step.Rerunnable ? Math.Max(1, step.Attempts) : 1;
        ActionResult result = default;
        var attempt = 0;
        while (attempt < attempts)
        {
            attempt++;
            result = await RunActionAsync(step.Action, topology, Remaining(deadline), cancellationToken).ConfigureAwait(false);
            if (result.Ok || attempt >= attempts || Remaining(deadline) <= TimeSpan.Zero) break;
            await Task.Delay(Backoff(attempt, Remaining(deadline)), time, cancellationToken).ConfigureAwait(false);
        }
        if (!result.Ok)
            return new StepOutcome(StepStatus.Failed, result.Summary, result.Output, time.GetElapsedTime(started), attempt);

        if (step.Verify is not null)
        {
            var verdict = await PollAsync(step.Verify, topology, deadline, cancellationToken).ConfigureAwait(false);
            if (!verdict.Yes)
                return new StepOutcome(StepStatus.Failed,
                    $"not verified within {step.Timeout.TotalSeconds:0.#} s: {step.Verify.Description}" + (verdict.Detail is null ? "" : $" (last answer: {verdict.Detail})"),
                    result.Output, time.GetElapsedTime(started), attempt);
        }
        return new StepOutcome(StepStatus.Succeeded, step.Verify is null ? (step.Action is GtmUnregister ? result.Summary : "done") : $"verified: {step.Verify.Description}",
            result.Output, time.GetElapsedTime(started), attempt);
    }

    /// <summary>Asks a probe once. Errors are answers too ("no", with the error as the detail).</summary>
    public async Task<ProbeAnswer> AskAsync(Probe probe, ClusterTopology topology, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout > ProbeTimeout) timeout = ProbeTimeout;
        if (timeout <= TimeSpan.Zero) timeout = TimeSpan.FromMilliseconds(200);
        switch (probe)
        {
            case SqlProbe p:
                try
                {
                    var answer = (await sql.ExecuteAsync(p.Target, p.Sql, timeout, cancellationToken).ConfigureAwait(false)).FirstRow;
                    return new ProbeAnswer(string.Equals(answer, p.Expected, StringComparison.Ordinal), answer ?? "no rows");
                }
                catch (SqlExecutionException e)
                {
                    return new ProbeAnswer(false, e.Message);
                }
            case CommandProbe p:
                try
                {
                    var result = await shell.RunAsync(Host(topology, p.HostName), p.Command, timeout, cancellationToken).ConfigureAwait(false);
                    return new ProbeAnswer(p.ExpectedExitCodes.Contains(result.ExitCode), $"exit {result.ExitCode} {result.Excerpt(160)}".Trim());
                }
                catch (RemoteExecutionException e)
                {
                    return new ProbeAnswer(false, e.Message);
                }
            case AllOf all:
                foreach (var part in all.Parts)
                {
                    var answer = await AskAsync(part, topology, timeout, cancellationToken).ConfigureAwait(false);
                    if (!answer.Yes) return answer with { Detail = $"{part.Description}: {answer.Detail}" };
                }
                return new ProbeAnswer(true, null);
            case WalReceivedProbe p:
                return await AskWalReceivedAsync(p, topology, timeout, cancellationToken).ConfigureAwait(false);
            case UnreachableProbe p:
                try
                {
                    await sql.ExecuteAsync(p.Target, "SELECT 1", timeout, cancellationToken).ConfigureAwait(false);
                    return new ProbeAnswer(false, $"{p.Target} still answers SQL");
                }
                catch (SqlExecutionException e) when (e.Unreachable || e.SqlState?.StartsWith("57P", StringComparison.Ordinal) == true)
                {
                    return new ProbeAnswer(true, e.Message);
                }
                catch (SqlExecutionException e)
                {
                    return new ProbeAnswer(false, e.Message);
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(probe), probe.GetType().Name, "unknown probe");
        }
    }

    /// <summary>Runs one statement (for facts a planner needs); throws <see cref="SqlExecutionException"/>.</summary>
    public Task<SqlResult> QueryAsync(SqlTarget target, string statement, CancellationToken cancellationToken) =>
        sql.ExecuteAsync(target, statement, ProbeTimeout, cancellationToken);

    private async Task<ProbeAnswer> AskWalReceivedAsync(WalReceivedProbe p, ClusterTopology topology, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ControlData control;
        try
        {
            var result = await shell.RunAsync(Host(topology, p.HostName), p.ControlData, timeout, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded) return new ProbeAnswer(false, $"pg_controldata: exit {result.ExitCode} {result.Excerpt(160)}".Trim());
            control = ControlData.Parse(result.StandardOutput);
        }
        catch (RemoteExecutionException e)
        {
            return new ProbeAnswer(false, e.Message);
        }
        if (!control.CleanlyShutDown || control.LatestCheckpoint is not { } checkpoint)
            return new ProbeAnswer(false, $"the old master's cluster state is '{control.State ?? "unknown"}', not a clean shut down");
        if (p.StandbyByShell is { } shellSide)
        {
            try
            {
                var result = await shell.RunAsync(Host(topology, shellSide.HostName), shellSide.Command, timeout, cancellationToken).ConfigureAwait(false);
                var facts = ProcessList.Parse(result.StandardOutput, result.Elapsed).GetValueOrDefault(shellSide.DataDir);
                if ((facts?.WalReceiver?.ReceivedLsn ?? facts?.WalEnd) is not { } received)
                    return new ProbeAnswer(false, $"{p.Standby}'s host shows no received position");
                return received > checkpoint
                    ? new ProbeAnswer(true, $"received up to {received}, past the shutdown checkpoint at {checkpoint}")
                    : new ProbeAnswer(false, $"received only up to {received}; the old master's shutdown checkpoint is at {checkpoint}");
            }
            catch (RemoteExecutionException e)
            {
                return new ProbeAnswer(false, e.Message);
            }
        }
        try
        {
            var answer = (await sql.ExecuteAsync(p.Standby, p.ReceiveLsnSql, timeout, cancellationToken).ConfigureAwait(false)).FirstRow;
            if (!Observation.Lsn.TryParse(answer, out var received))
                return new ProbeAnswer(false, $"{p.Standby} reports no receive position ({answer ?? "no rows"})");
            return received > checkpoint
                ? new ProbeAnswer(true, $"received up to {received}, past the shutdown checkpoint at {checkpoint}")
                : new ProbeAnswer(false, $"received only up to {received}; the old master's shutdown checkpoint is at {checkpoint}");
        }
        catch (SqlExecutionException e)
        {
            return new ProbeAnswer(false, e.Message);
        }
    }

    private async Task<ProbeAnswer> PollAsync(Probe probe, ClusterTopology topology, long deadline, CancellationToken cancellationToken)
    {
        // Most checks hold moments after their action (a reload reaches the checkpointer within milliseconds, and
        // it releases the waiting commits): ask again soon, then back off to 500 ms. The async switch's check
        // often failed its first ask and then waited 50 ms, a third of the commit stall on a quiet host.
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            var answer = await AskAsync(probe, topology, Remaining(deadline), cancellationToken).ConfigureAwait(false);
            if (answer.Yes || Remaining(deadline) <= TimeSpan.Zero) return answer;
            await Task.Delay(Min(delay, Remaining(deadline)), time, cancellationToken).ConfigureAwait(false);
            delay = Min(delay * 2, TimeSpan.FromMilliseconds(500));
        }
    }

    private async Task<ActionResult> RunActionAsync(StepAction action, ClusterTopology topology, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero) return new ActionResult(false, "no time left for the action", null);
        var stopwatch = Stopwatch.StartNew();
        switch (action)
        {
            case RunCommand c:
                try
                {
                    var result = await shell.RunAsync(Host(topology, c.HostName), c.Command, timeout, cancellationToken).ConfigureAwait(false);
                    var excerpt = result.Excerpt();
                    return c.AcceptedExitCodes.Contains(result.ExitCode)
                        ? new ActionResult(true, $"exit {result.ExitCode}", excerpt.Length == 0 ? null : excerpt)
                        : new ActionResult(false, $"exit code {result.ExitCode} (expected {string.Join(" or ", c.AcceptedExitCodes)})", excerpt);
                }
                catch (RemoteExecutionException e)
                {
                    return new ActionResult(false, e.Message, null);
                }
            case RunSql s:
                string? last = null;
                foreach (var statement in s.Statements)
                {
                    try
                    {
                        last = (await sql.ExecuteAsync(s.Target, statement, timeout - stopwatch.Elapsed, cancellationToken).ConfigureAwait(false)).FirstRow;
                    }
                    catch (SqlExecutionException e)
                    {
                        return new ActionResult(false, e.Message, null);
                    }
                }
                return new ActionResult(true, "ok", last);
            case WaitOnly:
                return new ActionResult(true, "waiting", null);
            case GtmUnregister u:
            {
                if (gtm is null) return new ActionResult(false, "this bot has no GTM client configured", null);
                var result = await gtm.UnregisterAsync(new Gtm.GtmEndpoint(u.Address, u.Port), topology.Flavor, u.Type, u.NodeName,
                    timeout, cancellationToken).ConfigureAwait(false);
                return result.Outcome switch
                {
                    Gtm.GtmUnregisterOutcome.Unregistered => new ActionResult(true,
                        $"unregistered {u.NodeName} (was {result.Removed?.DataFolder ?? "no data folder"}, {result.Removed?.Status.ToString() ?? "?"})", null),
                    Gtm.GtmUnregisterOutcome.NotRegistered => new ActionResult(true, $"{u.NodeName} was not registered on the GTM", null),
                    _ => new ActionResult(false, $"the GTM at {u.Address}:{u.Port} did not unregister {u.NodeName}: {result.Error}", null),
                };
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action.GetType().Name, "unknown action");
        }
    }

    private static Host Host(ClusterTopology topology, string name) =>
        topology.FindHost(name) ?? throw new RemoteExecutionException(name, RemoteFailure.Unreachable, $"host {name} is not in the configuration");

    private TimeSpan Remaining(long deadline) =>
        TimeSpan.FromSeconds((deadline - time.GetTimestamp()) / (double)time.TimestampFrequency);

    private static TimeSpan Backoff(int attempt, TimeSpan remaining) =>
        Min(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1)), Max(remaining, TimeSpan.Zero));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private readonly record struct ActionResult(bool Ok, string Summary, string? Output);
}

/// <summary>A probe's answer, and what the server actually said (for "not verified" messages).</summary>
public readonly record struct ProbeAnswer(bool Yes, string? Detail);
