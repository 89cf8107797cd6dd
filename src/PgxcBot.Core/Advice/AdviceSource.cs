using PgxcBot.Core.Assessment;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Advice;

/// <summary>
/// Reads what the advice needs from the bot's records (stored pair states, recent and open operations, recent
/// state changes) and applies <see cref="ClusterAdvisor"/> to an assessment. Status, the monitor, refusals and
/// the final message of an operation all go through here. A store that cannot be read costs only the records:
/// the advice then rests on the servers alone, never fails.
/// </summary>
/// <param name="maintenance">The maintenance windows (optional: without it no next step names a window).</param>
public sealed class AdviceSource(IOperationStore operations, IPairStateStore pairStates, TimeProvider time, Monitoring.IMaintenanceStore? maintenance = null)
{
    /// <summary>How many recent operations are read per call (across every datanode): enough to find each
    /// pair's last one unless that many ran on other pairs since.</summary>
    public const int RecentOperations = 50;

    /// <summary>The assessment with the advice applied.</summary>
    /// <param name="finished">An operation that has just ended but may not be recorded as ended yet (its final
    /// message is being written): taken as finished, whatever the store still says.</param>
    public async Task<ClusterAssessment> AdviseAsync(ClusterTopology topology, ClusterAssessment assessment, CancellationToken cancellationToken,
        Operation? finished = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(assessment);
        var standings = await StandingsAsync(topology, cancellationToken, finished).ConfigureAwait(false);
        return ClusterAdvisor.Apply(topology, assessment, standings);
    }

    /// <summary>Every configured pair's standing; <see cref="PairStanding.None"/> for a pair whose records cannot be read.</summary>
    public async Task<IReadOnlyDictionary<string, PairStanding>> StandingsAsync(ClusterTopology topology, CancellationToken cancellationToken,
        Operation? finished = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var result = new Dictionary<string, PairStanding>(StringComparer.Ordinal);
        IReadOnlyList<Operation> recent;
        try
        {
            var open = await operations.GetOpenAsync(cancellationToken).ConfigureAwait(false);
            var history = await operations.GetHistoryAsync(null, RecentOperations, cancellationToken).ConfigureAwait(false);
            recent = open.Concat(history).Where(o => finished is null || o.Id != finished.Id).ToList();
            if (finished is not null) recent = [.. recent, finished];
        }
        catch (StoreUnavailableException)
        {
            recent = finished is null ? [] : [finished];
        }
        var now = time.GetUtcNow();
        var windows = await WindowsAsync(now, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, PairState>? states = null;
        try
        {
            states = await pairStates.GetStatesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The servers still speak: advise from them alone.
        }
        foreach (var pair in topology.Datanodes)
        {
            PairState? stored = states is not null && states.TryGetValue(pair.Name, out var s) ? s : null;
            IReadOnlyList<PairTransition> changes = [];
            try
            {
                // State changes matter only to tell "still stopped / still fenced" from "started or rebuilt since".
                if (recent.Any(o => o.Datanode == pair.Name && OperationKinds.Find(o.Kind)?.Leaves is PairOutcome.Stopped or PairOutcome.OldMasterFenced))
                    changes = await pairStates.GetHistoryAsync(pair.Name, 10, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The servers still speak: advise from them alone.
            }
            result[pair.Name] = PairStandings.From(pair.Name, stored, recent, changes, now) with { Maintenance = windows.MaintenanceOf(pair.Name) };
        }
        return result;
    }

    /// <summary>The windows in force at <paramref name="now"/> (one past its end that the monitor has not expired yet
    /// no longer counts); none when the store cannot be read: the advice then rests on the servers and operations.</summary>
    private async Task<Monitoring.MaintenanceState> WindowsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (maintenance is null) return Monitoring.MaintenanceState.None;
        try
        {
            var lasting = await maintenance.GetLastingMutesAsync(cancellationToken).ConfigureAwait(false);
            return new Monitoring.MaintenanceState(lasting.Where(m => m.EndsAt > now).ToArray(), []);
        }
        catch (StoreUnavailableException)
        {
            return Monitoring.MaintenanceState.None;
        }
    }
}
