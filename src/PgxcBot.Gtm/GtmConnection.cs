using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using PgxcBot.Core.Gtm;
using PgxcBot.Gtm.Protocol;

namespace PgxcBot.Gtm;

/// <summary>
/// One TCP connection to a GTM, past the startup exchange. Every read and write takes the caller's token,
/// which carries the request deadline: the socket operations are cancelled when it fires (and the socket is
/// closed), so no call outlives its deadline. Not thread-safe: one request at a time.
/// </summary>
internal sealed class GtmConnection : IAsyncDisposable
{
    /// <summary>Largest answer accepted: a full node list (1024 nodes) is a few hundred KB.</summary>
    private const int MaxBody = 8 * 1024 * 1024;

    private readonly Socket _socket;
    private readonly GtmProtocol _protocol;
    private readonly byte[] _header = new byte[5];

    private GtmConnection(Socket socket, GtmProtocol protocol)
    {
        _socket = socket;
        _protocol = protocol;
    }

    /// <summary>
    /// Opens the TCP connection to <paramref name="endpoint"/>, trying each address the name resolves to in
    /// order, like libpq. <see cref="StartAsync"/> must follow before any request.
    /// </summary>
    /// <exception cref="GtmUnreachableException">No TCP connection could be made.</exception>
    /// <exception cref="OperationCanceledException">The token fired.</exception>
    public static async Task<GtmConnection> ConnectAsync(GtmEndpoint endpoint, GtmProtocol protocol, CancellationToken cancellationToken) =>
        new(await ConnectSocketAsync(endpoint, cancellationToken).ConfigureAwait(false), protocol);

    /// <summary>Sends the startup packet and checks the GTM's answer.</summary>
    /// <exception cref="GtmProtocolException">The answer is not a GTM's of this flavor.</exception>
    public async Task StartAsync(string clientName, CancellationToken cancellationToken)
    {
        await SendAsync(GtmMessages.StartupFrame(_protocol, clientName), cancellationToken).ConfigureAwait(false);
        GtmReplies.CheckStartup(_protocol, await ReceiveAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Sends one command and returns the GTM's answer ('S' or 'E'; notices are skipped).</summary>
    public async Task<GtmFrame> RequestAsync(byte[] commandFrame, CancellationToken cancellationToken)
    {
        await SendAsync(commandFrame, cancellationToken).ConfigureAwait(false);
        return await ReceiveAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Says goodbye ('X', so the GTM does not log an unexpected EOF) without waiting, and closes.</summary>
    public ValueTask DisposeAsync()
    {
        try
        {
            // Non-blocking: a goodbye to a GTM that stopped reading must not hold the caller past its deadline.
            if (_socket.Connected)
            {
                _socket.Blocking = false;
                _socket.Send(GtmMessages.TerminateFrame(), SocketFlags.None);
            }
        }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        using var close = CloseOn(cancellationToken);
        var sent = 0;
        while (sent < frame.Length)
            sent += await _socket.SendAsync(frame.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GtmFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var close = CloseOn(cancellationToken);
        while (true)
        {
            await ReadExactlyAsync(_header, cancellationToken).ConfigureAwait(false);
            var type = _header[0];
            var length = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(1));
            // The client library trusts long lengths only for 'S' and 'E' (fe-protocol.c, pqParseInput).
            var max = type is GtmReplies.Success or GtmReplies.Error ? MaxBody : 30_000;
            if (length < 4 || length - 4 > max)
                throw new GtmProtocolException(
                    $"lost message framing: type '{(type is >= 0x20 and < 0x7f ? (char)type : '?')}' with length {length}; is this a {_protocol.Name} GTM?");
            var body = new byte[length - 4];
            await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            if (type == GtmReplies.Notice) continue;
            return new GtmFrame(type, body);
        }
    }

    private async Task ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
                throw new GtmProtocolException(read == 0 && buffer.Length == _header.Length
                    ? "the GTM closed the connection without answering"
                    : "the GTM closed the connection in the middle of an answer");
            read += n;
        }
    }

    // Belt and braces for the hard deadline: cancelled socket calls already return, and closing the socket
    // makes sure nothing can keep the connection busy past it.
    private CancellationTokenRegistration CloseOn(CancellationToken cancellationToken) =>
        cancellationToken.Register(static s => ((Socket)s!).Dispose(), _socket);

    private static async Task<Socket> ConnectSocketAsync(GtmEndpoint endpoint, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(endpoint.Host, out var literal))
            addresses = [literal];
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new GtmUnreachableException($"could not resolve {endpoint.Host}: {e.Message}");
            }
            if (addresses.Length == 0) throw new GtmUnreachableException($"{endpoint.Host} resolves to no address");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw new GtmUnreachableException(Describe(last!, endpoint));
    }

    private static string Describe(SocketException e, GtmEndpoint endpoint) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => $"connection refused by {endpoint}: no GTM listens there (stopped, crashed, or another port)",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => $"no route to {endpoint}: {e.Message}",
        SocketError.TimedOut => $"the TCP connect to {endpoint} timed out in the network stack",
        _ => $"could not connect to {endpoint}: {e.Message}",
    };
}

/// <summary>No TCP connection to the GTM. Internal: becomes <see cref="GtmCallStatus.Unreachable"/>.</summary>
internal sealed class GtmUnreachableException(string message) : Exception(message);
