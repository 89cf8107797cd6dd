using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Operations;

/// <summary>
/// Reads what add-slave and rebuild must know before planning and the snapshot does not say: the master's
/// replication settings (pg_settings), what is in the slave's data directory, and (for a rebuild)
/// pg_controldata of the old master's data. Failures become facts (null, or an error text) for the
/// planner to refuse with, never exceptions.
/// </summary>
public sealed class LifecycleFactsSource(IRemoteShell shell, StepExecutor executor)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(15);

    public async Task<LifecycleFacts> GatherAsync(ClusterTopology topology, DatanodePair pair, bool readControlData, CancellationToken cancellationToken)
    {
        var settings = await ReadSettingsAsync(pair, cancellationToken).ConfigureAwait(false);
        if (pair.Slave is not { } slave) return LifecycleFacts.None with { MasterSettings = settings };
        if (topology.FindHost(slave.HostName) is not { } host)
            return new LifecycleFacts(settings, DataDirState.Unknown, null, $"host {slave.HostName} is not in the configuration");
        try
        {
            var state = await shell.RunAsync(host, PgTools.DirState(slave.DataDir), CommandTimeout, cancellationToken).ConfigureAwait(false);
            var dir = state.Succeeded ? PgTools.ParseDirState(state.StandardOutput) : DataDirState.Unknown;
            ControlData? control = null;
            if (readControlData && dir == DataDirState.NotEmpty)
            {
                var tools = new PgTools(host.PgBinDir);
                var result = await shell.RunAsync(host, tools.ControlData(slave.DataDir), CommandTimeout, cancellationToken).ConfigureAwait(false);
                if (result.Succeeded) control = ControlData.Parse(result.StandardOutput);
            }
            return new LifecycleFacts(settings, dir, control, null);
        }
        catch (RemoteExecutionException e)
        {
            return new LifecycleFacts(settings, DataDirState.Unknown, null, e.Message);
        }
    }

    private async Task<MasterSettings?> ReadSettingsAsync(DatanodePair pair, CancellationToken cancellationToken)
    {
        try
        {
            var names = string.Join(", ", MasterSettings.Names.Select(SqlText.Literal));
            var result = await executor.QueryAsync(new SqlTarget($"{pair.Name} master", pair.Master.Address, pair.Master.Port),
                $"SELECT name, setting FROM pg_settings WHERE name IN ({names})", cancellationToken).ConfigureAwait(false);
            return MasterSettings.From(result.Rows.Where(r => r.Count >= 2 && r[0] is not null)
                .ToDictionary(r => r[0]!, r => r[1] ?? "", StringComparer.Ordinal));
        }
        catch (SqlExecutionException)
        {
            return null;
        }
    }
}
