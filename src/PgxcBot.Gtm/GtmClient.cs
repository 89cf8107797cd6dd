using Microsoft.Extensions.Logging;
using PgxcBot.Core.Gtm;
using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;
using PgxcBot.Gtm.Protocol;

namespace PgxcBot.Gtm;

/// <summary>
/// <see cref="IGtmClient"/> over System.Net.Sockets: one short connection per call, hard deadlines, failures
/// as results. Stateless and safe to share.
/// </summary>
public sealed class GtmClient : IGtmClient
{
    private readonly GtmClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GtmClient> _logger;

    /// <summary>Creates the client.</summary>
    /// <exception cref="ArgumentException">The options' client name or connect timeout cannot work.</exception>
    public GtmClient(GtmClientOptions options, TimeProvider time, ILogger<GtmClient> logger)
    {
        if (options.ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"the GTM connect timeout must be positive, not {options.ConnectTimeout}", nameof(options));
        GtmMessages.StartupFrame(GtmProtocol.Xc12, options.ClientName); // validates the name now, not at 3 a.m.
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<GtmProbeResult> ProbeAsync(GtmEndpoint endpoint, Flavor flavor, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var protocol = GtmProtocol.For(flavor);
        var outcome = await RunAsync(endpoint, protocol, timeout, async (connection, token) =>
            GtmReplies.NextGxid(protocol, await connection.RequestAsync(GtmMessages.CommandFrame(protocol.MsgTxnGetNextGxid), token).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("GTM probe of {Endpoint} ({Flavor}): {Status} in {ElapsedMs} ms {Error}",
            endpoint, flavor, outcome.Status, (int)outcome.Elapsed.TotalMilliseconds, outcome.Error);
        return new GtmProbeResult(outcome.Status, outcome.Elapsed, outcome.Error, outcome.Status == GtmCallStatus.Ok ? outcome.Value : null);
    }

    /// <inheritdoc />
    public async Task<GtmNodeListResult> ListNodesAsync(GtmEndpoint endpoint, Flavor flavor, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var protocol = GtmProtocol.For(flavor);
        var outcome = await RunAsync(endpoint, protocol, timeout,
            (connection, token) => ListAsync(connection, protocol, token), cancellationToken).ConfigureAwait(false);
        _logger.LogDebug("GTM node list of {Endpoint} ({Flavor}): {Status}, {Count} node(s) in {ElapsedMs} ms {Error}",
            endpoint, flavor, outcome.Status, outcome.Value?.Count ?? 0, (int)outcome.Elapsed.TotalMilliseconds, outcome.Error);
        return new GtmNodeListResult(outcome.Status, outcome.Value ?? [], outcome.Elapsed, outcome.Error);
    }

    /// <inheritdoc />
    public async Task<GtmUnregisterResult> UnregisterAsync(GtmEndpoint endpoint, Flavor flavor, GtmNodeType type, string nodeName,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!SqlText.IsNodeName(nodeName))
            throw new ArgumentException($"'{nodeName}' is not a valid node name (lower-case letters, digits and _, starting with a letter or _, at most 63)", nameof(nodeName));
        if (!Enum.IsDefined(type))
            throw new ArgumentException($"{(int)type} is not a GTM node type", nameof(type));
        var protocol = GtmProtocol.For(flavor);

        var outcome = await RunAsync(endpoint, protocol, timeout,
            (connection, token) => UnregisterOnAsync(connection, protocol, type, nodeName, token), cancellationToken).ConfigureAwait(false);
        var result = outcome.Status == GtmCallStatus.Ok
            ? outcome.Value! with { Elapsed = outcome.Elapsed }
            : new GtmUnregisterResult(GtmUnregisterOutcome.Failed, null, outcome.Elapsed,
                $"could not unregister {nodeName} from the GTM at {endpoint}: {outcome.Error}", outcome.Status);

        if (result.Outcome == GtmUnregisterOutcome.Unregistered)
            _logger.LogInformation("Unregistered {NodeName} from the GTM at {Endpoint} ({Flavor}); it was: {Registration}",
                nodeName, endpoint, flavor, result.Removed!.Describe());
        else if (result.Outcome == GtmUnregisterOutcome.NotRegistered)
            _logger.LogInformation("{NodeName} was not registered on the GTM at {Endpoint} ({Flavor}); nothing to unregister",
                nodeName, endpoint, flavor);
        else
            _logger.LogWarning("Unregistering {NodeName} from the GTM at {Endpoint} ({Flavor}) failed ({Status}): {Error}",
                nodeName, endpoint, flavor, result.FailureStatus, result.Error);
        return result;
    }

    private static async Task<IReadOnlyList<GtmNodeRegistration>> ListAsync(GtmConnection connection, GtmProtocol protocol, CancellationToken token) =>
        GtmReplies.NodeList(protocol, await connection.RequestAsync(GtmMessages.CommandFrame(protocol.MsgNodeList), token).ConfigureAwait(false));

    /// <summary>List, unregister, list again: the result rests on what the GTM lists, not on its acknowledgement.</summary>
    private static async Task<GtmUnregisterResult> UnregisterOnAsync(GtmConnection connection, GtmProtocol protocol,
        GtmNodeType type, string nodeName, CancellationToken token)
    {
        var before = Find(await ListAsync(connection, protocol, token).ConfigureAwait(false), type, nodeName);
        if (before is null)
            return new GtmUnregisterResult(GtmUnregisterOutcome.NotRegistered, null, TimeSpan.Zero, null, null);

        var answer = await connection.RequestAsync(
            GtmMessages.CommandFrame(protocol.MsgNodeUnregister, GtmMessages.UnregisterArguments(type, nodeName)), token).ConfigureAwait(false);
        string? refusal = null;
        try
        {
            var (echoType, echoName) = GtmReplies.Unregistered(protocol, answer);
            if (echoType != type || echoName != nodeName)
                throw new GtmProtocolException($"the GTM confirmed the unregister of {(int)echoType}/{echoName}, not of {(int)type}/{nodeName}");
        }
        catch (GtmServerErrorException e)
        {
            // The only failure of the GTM's unregister is "not found" (register_common.c,
            // Recovery_PGXCNodeUnregister: EINVAL when the name is not in its table), so another client may
            // have removed it since our list. The second list below tells.
            refusal = e.ServerMessage;
        }

        var after = Find(await ListAsync(connection, protocol, token).ConfigureAwait(false), type, nodeName);
        if (after is null)
            return refusal is null
                ? new GtmUnregisterResult(GtmUnregisterOutcome.Unregistered, before, TimeSpan.Zero, null, null)
                : new GtmUnregisterResult(GtmUnregisterOutcome.NotRegistered, null, TimeSpan.Zero, null, null);
        return new GtmUnregisterResult(GtmUnregisterOutcome.Failed, null, TimeSpan.Zero,
            refusal is null
                ? $"the GTM acknowledged the unregister but still lists {after.Describe()} (did the node register again at once?)"
                : $"the GTM refused the unregister ({refusal}) and still lists {after.Describe()}",
            refusal is null ? GtmCallStatus.ProtocolError : GtmCallStatus.ServerError);
    }

    private static GtmNodeRegistration? Find(IReadOnlyList<GtmNodeRegistration> nodes, GtmNodeType type, string name) =>
        new GtmNodeListResult(GtmCallStatus.Ok, nodes, TimeSpan.Zero, null).Find(type, name);

    private readonly record struct Outcome<T>(GtmCallStatus Status, T? Value, TimeSpan Elapsed, string? Error);

    /// <summary>
    /// Opens a connection and runs <paramref name="exchange"/> on it under the deadline, turning every failure
    /// into a status: only the caller's cancellation escapes.
    /// </summary>
    private async Task<Outcome<T>> RunAsync<T>(GtmEndpoint endpoint, GtmProtocol protocol, TimeSpan timeout,
        Func<GtmConnection, CancellationToken, Task<T>> exchange, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a GTM call needs a positive timeout");
        cancellationToken.ThrowIfCancellationRequested();
        var started = _time.GetTimestamp();
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var connectLimit = new CancellationTokenSource(_options.ConnectTimeout < timeout ? _options.ConnectTimeout : timeout, _time);
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(request.Token, connectLimit.Token);
        var connected = false;
        try
        {
            await using var connection = await GtmConnection.ConnectAsync(endpoint, protocol, connect.Token).ConfigureAwait(false);
            connected = true;
            await connection.StartAsync(_options.ClientName, request.Token).ConfigureAwait(false);
            var value = await exchange(connection, request.Token).ConfigureAwait(false);
            return new Outcome<T>(GtmCallStatus.Ok, value, _time.GetElapsedTime(started), null);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (Exception e) when (deadline.IsCancellationRequested || (!connected && connectLimit.IsCancellationRequested))
        {
            // A fired deadline closes the socket, so what surfaces may be a cancellation, a disposed socket or
            // an aborted read: all mean "out of time".
            var elapsed = _time.GetElapsedTime(started);
            _logger.LogDebug(e, "GTM call to {Endpoint} ran out of time", endpoint);
            return connected
                ? new Outcome<T>(GtmCallStatus.Timeout, default, elapsed,
                    $"the GTM at {endpoint} accepted the connection but did not answer within {Seconds(timeout)}")
                : new Outcome<T>(GtmCallStatus.Unreachable, default, elapsed,
                    $"no TCP connection to {endpoint} within {Seconds(connectLimit.IsCancellationRequested ? _options.ConnectTimeout : timeout)} (host down, firewalled, or overloaded)");
        }
        catch (GtmUnreachableException e)
        {
            return new Outcome<T>(GtmCallStatus.Unreachable, default, _time.GetElapsedTime(started), e.Message);
        }
        catch (GtmProtocolException e)
        {
            return new Outcome<T>(GtmCallStatus.ProtocolError, default, _time.GetElapsedTime(started), $"{endpoint}: {e.Message}");
        }
        catch (GtmServerErrorException e)
        {
            return new Outcome<T>(GtmCallStatus.ServerError, default, _time.GetElapsedTime(started), $"the GTM at {endpoint} answered {e.ServerMessage}");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            // Reset by the peer in the middle of the exchange, after the TCP connection was made.
            return new Outcome<T>(GtmCallStatus.ProtocolError, default, _time.GetElapsedTime(started),
                $"the connection to the GTM at {endpoint} broke: {e.Message}");
        }
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.#} s" : $"{span.TotalMilliseconds:0} ms";
}
