using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PgxcBot.Core.Gtm;
using PgxcBot.Gtm.Protocol;

namespace PgxcBot.Tests.Gtm;

/// <summary>
/// A scripted GTM on a loopback port: every accepted connection runs the script. <see cref="Xc"/> is a small
/// but faithful Postgres-XC 1.2 GTM (startup, next gxid, node list, unregister) over an in-memory registry.
/// </summary>
internal sealed class FakeGtm : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<FakeGtmSession, CancellationToken, Task> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _acceptLoop;

    public FakeGtm(Func<FakeGtmSession, CancellationToken, Task> script)
    {
        _script = script;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    public GtmEndpoint Endpoint => new("127.0.0.1", Port);

    /// <summary>Every command frame received, in order ('C' bodies: message number first).</summary>
    public ConcurrentQueue<(char Type, int Message)> Commands { get; } = new();

    /// <summary>A Postgres-XC GTM holding <paramref name="registry"/>; <paramref name="refuseUnregister"/>
    /// answers every unregister with the GTM's error while leaving the entry in place.</summary>
    public static FakeGtm Xc(List<GtmNodeRegistration> registry, bool refuseUnregister = false, uint nextGxid = 10000)
    {
        FakeGtm? self = null;
        self = new FakeGtm(async (session, ct) =>
        {
            await session.ReadAsync(ct); // startup
            await session.WriteAsync('R', [], ct);
            while (true)
            {
                var (type, body) = await session.ReadAsync(ct);
                if (type == 'X') return;
                var message = BinaryPrimitives.ReadInt32BigEndian(body);
                self!.Commands.Enqueue((type, message));
                switch (message)
                {
                    case 34:
                        await session.WriteAsync('S', Concat(Be(20), Be((int)nextGxid)), ct);
                        break;
                    case 6:
                        byte[][] entries;
                        lock (registry) entries = registry.Select(Entry).ToArray();
                        await session.WriteAsync('S', Concat([Be(3), Be(entries.Length), .. entries.Select(e => Concat(Be(e.Length), e))]), ct);
                        break;
                    case 4:
                        var nodeType = BinaryPrimitives.ReadInt32LittleEndian(body.AsSpan(4));
                        var name = Encoding.UTF8.GetString(body, 12, BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(8)));
                        bool removed;
                        lock (registry)
                            removed = !refuseUnregister && registry.RemoveAll(n => (int)n.Type == nodeType && n.Name == name) > 0;
                        if (removed)
                            await session.WriteAsync('S', Concat(Be(2), Le(nodeType), Be(name.Length), Encoding.UTF8.GetBytes(name)), ct);
                        else
                            await session.WriteAsync('E', Encoding.ASCII.GetBytes("SERROR\0MFailed to Unregister node\0\0"), ct);
                        break;
                    default:
                        throw new InvalidOperationException($"the fake XC GTM does not know message {message}");
                }
            }
        });
        return self;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                var session = new FakeGtmSession(socket);
                lock (_sessions) _sessions.Add(RunAsync(session));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped: DisposeAsync stops the listener, which ends a pending or the next accept.
        }
    }

    private async Task RunAsync(FakeGtmSession session)
    {
        try
        {
            await _script(session, _stop.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or EndOfStreamException) { }
        finally
        {
            session.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] sessions;
        lock (_sessions) sessions = [.. _sessions];
        await Task.WhenAll(sessions);
        _stop.Dispose();
    }

    internal static byte[] Entry(GtmNodeRegistration n) => Concat(Le((int)n.Type), Str(n.Name), Str(n.ProxyName), Le(n.Port),
        Str(n.Host), Str(n.DataFolder), Le((int)n.Status));

    private static byte[] Str(string s) => Concat(Le(Encoding.UTF8.GetByteCount(s)), Encoding.UTF8.GetBytes(s));

    internal static byte[] Le(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        return b;
    }

    internal static byte[] Be(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, v);
        return b;
    }

    internal static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}

/// <summary>One accepted connection of a <see cref="FakeGtm"/>.</summary>
internal sealed class FakeGtmSession(Socket socket) : IDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);

    /// <summary>Reads one frame (type, body); throws <see cref="EndOfStreamException"/> when the client left.</summary>
    public async Task<(char Type, byte[] Body)> ReadAsync(CancellationToken ct)
    {
        var header = new byte[5];
        await _stream.ReadExactlyAsync(header, ct);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1)) - 4];
        await _stream.ReadExactlyAsync(body, ct);
        return ((char)header[0], body);
    }

    public Task WriteAsync(char type, byte[] body, CancellationToken ct) =>
        WriteRawAsync(GtmMessages.Frame((byte)type, body), ct);

    public async Task WriteRawAsync(byte[] bytes, CancellationToken ct) => await _stream.WriteAsync(bytes, ct);

    public void Dispose() => _stream.Dispose();
}
