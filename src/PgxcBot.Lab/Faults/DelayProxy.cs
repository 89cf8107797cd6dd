using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace PgxcBot.Lab.Faults;

/// <summary>
/// A TCP relay that holds every chunk of bytes for <see cref="Delay"/> before passing it on, in both
/// directions: a slow but healthy network link (each round trip costs twice the delay), for tests and
/// benchmarks of what a slow synchronous standby looks like. Bytes keep their order; throughput is not
/// limited. Outgoing connections may be bound to a given local address, so the target sees the client it
/// expects (a master identifies its slave by client_addr).
/// </summary>
public sealed class DelayProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly IPAddress? _bindOutgoing;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly Task _acceptLoop;

    /// <param name="listen">The local address to listen on (port chosen by the system).</param>
    /// <param name="target">Where connections are relayed to.</param>
    /// <param name="delay">How long each chunk is held, one way.</param>
    /// <param name="bindOutgoing">The local address outgoing connections come from; null: any.</param>
    public DelayProxy(IPAddress listen, IPEndPoint target, TimeSpan delay, IPAddress? bindOutgoing = null)
    {
        _target = target;
        _bindOutgoing = bindOutgoing;
        Delay = delay;
        _listener = new TcpListener(listen, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; }

    /// <summary>One-way delay of every chunk.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Connections accepted so far (each one relayed to the target).</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    private int _accepted;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
                var server = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                client.NoDelay = true;
                try
                {
                    if (_bindOutgoing is not null) server.Bind(new IPEndPoint(_bindOutgoing, 0));
                    await server.ConnectAsync(_target, _stop.Token);
                }
                catch (SocketException)
                {
                    client.Dispose();
                    server.Dispose();
                    continue;
                }
                lock (_relays) _relays.Add(RelayAsync(client, server));
            }
        }
        catch (OperationCanceledException) { }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task RelayAsync(Socket client, Socket server)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var up = PumpAsync(client, server, both);
        var down = PumpAsync(server, client, both);
        await Task.WhenAny(up, down);
        await both.CancelAsync();
        await Task.WhenAll(up, down);
        client.Dispose();
        server.Dispose();
    }

    /// <summary>Reads chunks as they come and writes each one <see cref="Delay"/> after it was read.</summary>
    private async Task PumpAsync(Socket from, Socket to, CancellationTokenSource both)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Bytes)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            try
            {
                await foreach (var (due, bytes) in queue.Reader.ReadAllAsync(both.Token))
                {
                    var wait = TimeSpan.FromSeconds((double)(due - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, both.Token);
                    await to.SendAsync(bytes, SocketFlags.None, both.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
            finally { await both.CancelAsync(); }
        });
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, both.Token);
                if (read == 0) break;
                queue.Writer.TryWrite((Stopwatch.GetTimestamp() + (long)(Delay.TotalSeconds * Stopwatch.Frequency), buffer[..read]));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        finally
        {
            queue.Writer.TryComplete();
            // Let what was read reach the other side before the relay closes.
            await writer;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] relays;
        lock (_relays) relays = [.. _relays];
        await Task.WhenAll(relays);
        _stop.Dispose();
    }
}
