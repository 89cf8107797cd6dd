using System.Net;
using System.Net.Sockets;

namespace PgxcBot.Lab.Faults;

/// <summary>A loopback endpoint that accepts TCP connections and never sends a byte: a black-holed server
/// (a host that vanished without closing its connections), for tests, benchmarks and lab drills.</summary>
public sealed class BlackHoleListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;

    public BlackHoleListener()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_held) _held.Add(socket);
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        lock (_held) foreach (var socket in _held) socket.Dispose();
        _stop.Dispose();
    }
}
