using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Replicas;
using PgxcBot.Hosting;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot status</c>: one observation and assessment; exits with the Nagios code of the worst problem
/// (<see cref="NagiosCodes"/>: 0 OK, 1 WARNING, 2 CRITICAL; 3 UNKNOWN is the caller's when it cannot run). With
/// --json, stdout holds only the JSON document.</summary>
internal static class StatusCliCommand
{
    /// <param name="reuseStartupObservation">A one-shot run takes the observation its start-up reconciliation made a
    /// moment ago; a serving bot (<see cref="Monitoring.Http.HttpStatusReport"/>) always observes now.</param>
    public static async Task<int> RunAsync(IServiceProvider services, CliArguments arguments, CliIo io, CancellationToken cancellationToken,
        bool reuseStartupObservation = true)
    {
        // The start-up reconciliation observed the cluster a moment ago: its status, unless it corrected a state.
        var status = (reuseStartupObservation ? services.GetService<StartupStatus>()?.Take() : null)
            ?? await services.GetRequiredService<IClusterStatusSource>().GetAsync(cancellationToken);
        var assessment = status.Assessment;
        var (windows, lines) = await MaintenanceAsync(services, cancellationToken);
        // A shared store: the bot's replicas as the store has them (which is active, since when, last heartbeats).
        var replicas = services.GetService<IReplicaRole>();
        if (arguments.Json)
        {
            var document = StatusDocument.From(assessment) with { Maintenance = windows };
            if (replicas is not null) document = document with { Replicas = await ReadReplicasAsync(replicas, cancellationToken) };
            await io.Out.WriteLineAsync(document.ToJson());
        }
        else
        {
            var message = StatusMessageBuilder.Build(assessment, status.States);
            if (lines.Count > 0) message = message with { Lines = [.. message.Lines, "", "Maintenance, silences and owners:", .. lines] };
            if (replicas is not null)
                message = message with { Lines = [.. message.Lines, "", "Bot " + await replicas.DescribeAsync(services.GetRequiredService<TimeProvider>(), cancellationToken)] };
            await io.Out.WriteAsync(PlainTextRenderer.Render(message));
        }
        if (arguments.Png is { } file)
        {
            // The path goes to stderr with --json, so that stdout stays one JSON document.
            var image = await services.GetRequiredService<Pictures.ChatPictures>().LagAsync(null, TimeSpan.FromHours(1), cancellationToken);
            var line = await Pictures.PictureFiles.SaveFirstAsync(ChatMessage.Simple("lag", Core.Assessment.Severity.Info) with { Images = [image] }, file, cancellationToken);
            await (arguments.Json ? io.Error : io.Out).WriteLineAsync(line);
        }
        // The exit code stays the servers' verdict: a window mutes pages, it does not make a broken pair healthy.
        return NagiosCodes.For(assessment.Worst);
    }

    /// <summary>The lease and heartbeats for --json; null when the store cannot be read (status still answers from the servers).</summary>
    private static async Task<ReplicasDocument?> ReadReplicasAsync(IReplicaRole replicas, CancellationToken cancellationToken)
    {
        try
        {
            return ReplicasDocument.From(await replicas.ReadStatusAsync(cancellationToken));
        }
        catch (PgxcBot.Core.Operations.StoreUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The windows in force and the status lines chat shows (who set each, why, until when; muted incidents;
    /// owners); none without a store, or when it cannot be read (status still answers from the servers).</summary>
    private static async Task<(IReadOnlyList<Mute> Windows, IReadOnlyList<string> Lines)> MaintenanceAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IMaintenanceStore>() is not { } store) return ([], []);
        try
        {
            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            var state = new MaintenanceState((await store.GetLastingMutesAsync(cancellationToken)).Where(m => m.EndsAt > now).ToArray(),
                await store.GetAcknowledgementsAsync(cancellationToken));
            IReadOnlyCollection<Incident> active = services.GetService<IMonitorStateStore>() is { } incidents ? await incidents.GetActiveIncidentsAsync(cancellationToken) : [];
            return (state.Mutes, MaintenanceMessages.StatusLines(state, active, null));
        }
        catch (PgxcBot.Core.Operations.StoreUnavailableException)
        {
            return ([], []);
        }
    }
}
