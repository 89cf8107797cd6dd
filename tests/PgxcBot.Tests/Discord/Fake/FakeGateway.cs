using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PgxcBot.Tests.Discord.Fake;

/// <summary>
/// The fake's gateway: says Hello, ACKs heartbeats (or withholds the ACKs), answers Identify with READY and
/// Resume with a replay of the events after the client's sequence number then RESUMED, and lets a test send
/// any frame (Reconnect, Invalid Session, dispatches) or close with any code. Events dispatched while no
/// client is connected are kept for the replay.
/// </summary>
internal sealed class FakeGateway(Uri resumeUrl, FakeDiscord discord) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(long Seq, string Type, JsonNode? D)> _events = [];
    private long _seq;
    private Connection? _current;
    private int _connections;
    private int _identifies;

    private sealed class Connection(WebSocket socket)
    {
        public WebSocket Socket { get; } = socket;
        public SemaphoreSlim SendLock { get; } = new(1, 1);
    }

    public Uri ResumeUrl { get; } = resumeUrl;
    public int HeartbeatIntervalMs { get; set; } = 1000;
    public volatile bool AckHeartbeats = true;
    public string SessionId { get; } = "session-" + Guid.NewGuid().ToString("N")[..8];
    /// <summary>When set, the next connection is closed with this code right after Hello (e.g. 4004).</summary>
    public int? CloseAfterHelloWith { get; set; }

    public int Connections => Volatile.Read(ref _connections);
    public int Identifies => Volatile.Read(ref _identifies);
    public ConcurrentQueue<(string? SessionId, long? Seq)> Resumes { get; } = new();
    public ConcurrentQueue<long?> Heartbeats { get; } = new();
    public ConcurrentQueue<int?> ClientCloseCodes { get; } = new();
    public bool Connected => Volatile.Read(ref _current) is not null;
    public long LastSeq => Interlocked.Read(ref _seq);

    public async Task RunConnectionAsync(WebSocket socket, bool resumeUrl, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connections);
        var connection = new Connection(socket);
        Volatile.Write(ref _current, connection);
        try
        {
            await SendAsync(connection, new JsonObject { ["op"] = 10, ["d"] = new JsonObject { ["heartbeat_interval"] = HeartbeatIntervalMs } });
            if (CloseAfterHelloWith is { } code)
            {
                CloseAfterHelloWith = null;
                await socket.CloseOutputAsync((WebSocketCloseStatus)code, "scripted close", CancellationToken.None);
                await DrainUntilClosedAsync(socket);
                return;
            }
            while (true)
            {
                var frame = await ReceiveAsync(socket, cancellationToken);
                if (frame is null) break;
                var op = frame["op"]!.GetValue<int>();
                switch (op)
                {
                    case 1:
                        Heartbeats.Enqueue(frame["d"] is JsonValue v ? v.GetValue<long>() : null);
                        if (AckHeartbeats) await SendAsync(connection, new JsonObject { ["op"] = 11 });
                        break;
                    case 2:
                        Interlocked.Increment(ref _identifies);
                        await DispatchAsync("READY", new JsonObject
                        {
                            ["v"] = 10,
                            ["user"] = new JsonObject { ["id"] = "1200000000000000000", ["username"] = "pgxc-bot" },
                            ["guilds"] = new JsonArray(),
                            ["session_id"] = SessionId,
                            ["resume_gateway_url"] = ResumeUrl.ToString(),
                            ["application"] = new JsonObject { ["id"] = "1200000000000000000", ["flags"] = 0 },
                        });
                        break;
                    case 6:
                        var d = frame["d"]!;
                        long? seq = d["seq"] is JsonValue s ? s.GetValue<long>() : null;
                        Resumes.Enqueue((d["session_id"]?.GetValue<string>(), seq));
                        if (d["session_id"]?.GetValue<string>() != SessionId)
                        {
                            await SendAsync(connection, new JsonObject { ["op"] = 9, ["d"] = false });
                            break;
                        }
                        (long, string, JsonNode?)[] missed;
                        lock (_lock) missed = _events.Where(e => e.Seq > (seq ?? 0)).ToArray();
                        foreach (var (n, type, data) in missed)
                            await SendAsync(connection, new JsonObject { ["op"] = 0, ["s"] = n, ["t"] = type, ["d"] = data?.DeepClone() });
                        await DispatchAsync("RESUMED", null);
                        break;
                }
            }
            ClientCloseCodes.Enqueue((int?)socket.CloseStatus);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            ClientCloseCodes.Enqueue(null);
        }
        finally
        {
            Interlocked.CompareExchange(ref _current, null, connection);
        }
    }

    /// <summary>Sends a dispatch (op 0) with the next sequence number, or keeps it for the replay when nobody is connected.</summary>
    public async Task<long> DispatchAsync(string type, JsonNode? data)
    {
        long seq;
        lock (_lock)
        {
            seq = ++_seq;
            _events.Add((seq, type, data?.DeepClone()));
        }
        if (Volatile.Read(ref _current) is { } connection)
        {
            try { await SendAsync(connection, new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = type, ["d"] = data?.DeepClone() }); }
            catch (Exception e) when (e is WebSocketException or ObjectDisposedException or IOException) { }
        }
        return seq;
    }

    /// <summary>Delivers an interaction as INTERACTION_CREATE.</summary>
    public Task<long> SendInteractionAsync(JsonObject interaction) => DispatchAsync("INTERACTION_CREATE", interaction);

    public async Task SendRawAsync(JsonObject frame)
    {
        if (Volatile.Read(ref _current) is { } connection) await SendAsync(connection, frame);
    }

    public async Task CloseAsync(int code)
    {
        if (Volatile.Read(ref _current) is { } connection)
            await connection.Socket.CloseOutputAsync((WebSocketCloseStatus)code, "closed by the test", CancellationToken.None);
    }

    private static async Task SendAsync(Connection connection, JsonObject frame)
    {
        await connection.SendLock.WaitAsync();
        try { await connection.Socket.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None); }
        finally { connection.SendLock.Release(); }
    }

    private static async Task<JsonNode?> ReceiveAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(chunk, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage) return JsonNode.Parse(buffer.ToArray());
        }
    }

    private static async Task DrainUntilClosedAsync(WebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (await ReceiveAsync(socket, timeout.Token) is not null) { }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _current) is { } connection)
        {
            try { connection.Socket.Abort(); }
            catch (ObjectDisposedException) { }
        }
        await Task.CompletedTask;
    }

    internal FakeDiscord Discord => discord;
}
