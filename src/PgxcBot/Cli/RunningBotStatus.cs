using System.Globalization;
using System.Net;
using PgxcBot.Core.Topology;
using PgxcBot.Monitoring.Http;

namespace PgxcBot.Cli;

/// <summary>
/// <c>pgxcbot status</c> through the serving bot: with <c>monitor.httpListen</c> configured, the one-shot asks the bot
/// listening there for <c>GET /status</c> (or <c>/status.json</c>), which that bot observes now on its warm connections
/// (<see cref="HttpStatusReport"/>), and prints it, the Nagios code from <see cref="MonitorHttpEndpoint.NagiosHeader"/>.
/// A one-shot process otherwise opens a fresh session on every server, which is what makes it slow on a crowded host.
/// Nothing is taken on trust that a direct run would not show: the answer is an observation made for this request.
/// No bot there (refused, no answer in time, an older bot without /status, a 503): null, and the caller observes
/// by itself, as it always did.
/// </summary>
internal static class RunningBotStatus
{
    /// <summary>The Nagios code after printing the serving bot's status; null when the caller must observe by itself
    /// (--direct, --png, no <c>monitor.httpListen</c>, or no bot answering there).</summary>
    public static async Task<int?> TryAsync(ClusterTopology topology, CliArguments arguments, CliIo io, CancellationToken cancellationToken)
    {
        if (arguments.Direct || arguments.Png is not null || topology.Monitor.HttpListen is not { } listen) return null;
        var address = listen.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : listen.Address;
        var uri = new Uri($"http://{new IPEndPoint(address, listen.Port)}/status{(arguments.Json ? ".json" : "")}");
        // The bot's own observation is bounded by the probe timeouts; a bot that takes longer is not answering.
        var bound = topology.Monitor.ConnectTimeout + topology.Monitor.CommandTimeout + TimeSpan.FromSeconds(1);
        using var http = new HttpClient { Timeout = bound };
        try
        {
            using var response = await http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK
                || !response.Headers.TryGetValues(MonitorHttpEndpoint.NagiosHeader, out var values)
                || !int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                if (arguments.Verbose) await io.Error.WriteLineAsync($"status: {uri} answered {(int)response.StatusCode} without a status; observing from this process").ConfigureAwait(false);
                return null;
            }
            await io.Out.WriteAsync(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            // stderr, so that stdout stays the status (and one JSON document with --json).
            await io.Error.WriteLineAsync($"(observed just now by the bot serving at {listen}; --direct observes from this process)").ConfigureAwait(false);
            return code;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            if (arguments.Verbose) await io.Error.WriteLineAsync($"status: no bot answers at {uri} ({e.Message}); observing from this process").ConfigureAwait(false);
            return null;
        }
    }
}
