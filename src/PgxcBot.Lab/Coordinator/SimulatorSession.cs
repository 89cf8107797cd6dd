using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// One client connection: startup (SSL/GSS refused with 'N', CancelRequest forwarded), authentication,
/// then the simple and extended query protocols. Responses are buffered and flushed at ReadyForQuery
/// or Flush. A statement can be cancelled by a CancelRequest naming this session's pid and key.
/// </summary>
internal sealed partial class SimulatorSession(
    Stream stream,
    SimulatorState state,
    Func<int, int, bool> cancelOther,
    int backendPid,
    ILogger logger)
{
    const int SslRequest = 80877103, GssEncRequest = 80877104, CancelRequest = 80877102, Protocol3 = 196608;

    readonly FrontendReader _reader = new(stream);
    readonly BackendWriter _writer = new(stream);
    readonly SessionTransaction _transaction = new();
    readonly Dictionary<string, PreparedStatement> _prepared = new(StringComparer.Ordinal);
    readonly Dictionary<string, Portal> _portals = new(StringComparer.Ordinal);
    readonly Lock _cancelLock = new();
    CancellationTokenSource? _statementCts;
    StatementExecutor _executor = null!;
    bool _skipUntilSync;

    public int BackendPid { get; } = backendPid;

    public int SecretKey { get; } = RandomNumberGenerator.GetInt32(int.MaxValue);

    sealed record PreparedStatement(SqlStatementText? Statement, uint[] ParameterOids);

    sealed class Portal(PreparedStatement statement, object?[] parameters, short[] resultFormats)
    {
        public PreparedStatement Statement { get; } = statement;
        public object?[] Parameters { get; } = parameters;
        public bool Binary(int column) => resultFormats.Length switch
        {
            0 => false,
            1 => resultFormats[0] == 1,
            _ => column < resultFormats.Length && resultFormats[column] == 1,
        };
        public StatementResult? Result { get; set; }
    }

    /// <summary>Cancels the running statement, if any (CancelRequest).</summary>
    public void CancelStatement()
    {
        lock (_cancelLock)
        {
            try { _statementCts?.Cancel(); }
            catch (ObjectDisposedException) { }
        }
    }

    public async Task RunAsync(CancellationToken sessionToken)
    {
        try
        {
            var info = await StartupAsync(sessionToken).ConfigureAwait(false);
            if (info is null) return;
            _executor = new StatementExecutor(state, _transaction, info, state.Relay);
            logger.LogDebug("Simulator session {Pid} started for user {User}, database {Database}", BackendPid, info.User, info.Database);
            while (await _reader.ReadMessageAsync(sessionToken).ConfigureAwait(false) is var (type, body))
            {
                switch (type)
                {
                    case 'Q': await SimpleQueryAsync(body.ReadCString(), sessionToken).ConfigureAwait(false); break;
                    case 'P' or 'B' or 'D' or 'E' or 'C' or 'H' or 'S': await ExtendedAsync(type, body, sessionToken).ConfigureAwait(false); break;
                    case 'X': return;
                    default: throw new SimulatedPgException("08P01", $"invalid frontend message type {(int)type}", severity: "FATAL");
                }
            }
        }
        catch (SimulatedPgException fatal)
        {
            _writer.Error(fatal);
            await TryFlushAsync(sessionToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // Client went away or the simulator is stopping / going down.
        }
        finally
        {
            _transaction.Rollback();
        }
    }

    async Task TryFlushAsync(CancellationToken ct)
    {
        try { await _writer.FlushAsync(ct).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException) { }
    }

    async Task<SessionInfo?> StartupAsync(CancellationToken ct)
    {
        while (true)
        {
            var packet = await _reader.ReadStartupAsync(ct).ConfigureAwait(false);
            if (packet is null) return null;
            var code = packet.ReadInt32();
            switch (code)
            {
                case SslRequest or GssEncRequest:
                    _writer.Raw((byte)'N');
                    await _writer.FlushAsync(ct).ConfigureAwait(false);
                    continue;
                case CancelRequest:
                    cancelOther(packet.ReadInt32(), packet.ReadInt32());
                    return null;
                case var v when v >> 16 == 3:
                    return await AuthenticateAsync(ReadStartupParameters(packet), minor: v & 0xFFFF, ct).ConfigureAwait(false);
                default:
                    throw new SimulatedPgException("0A000",
                        $"unsupported frontend protocol {code >> 16}.{code & 0xFFFF}: server supports 3.0 to 3.0", severity: "FATAL");
            }
        }
    }

    static Dictionary<string, string> ReadStartupParameters(MessageBody packet)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        while (!packet.AtEnd)
        {
            var name = packet.ReadCString();
            if (name.Length == 0) break;
            parameters[name] = packet.ReadCString();
        }
        return parameters;
    }

    async Task<SessionInfo> AuthenticateAsync(Dictionary<string, string> parameters, int minor, CancellationToken ct)
    {
        var options = state.Options;
        var user = parameters.GetValueOrDefault("user") ?? throw new SimulatedPgException("28000", "no PostgreSQL user name specified in startup packet", severity: "FATAL");
        var database = parameters.GetValueOrDefault("database") ?? user;
        if (minor > 0 || parameters.Keys.Any(k => k.StartsWith("_pq_.", StringComparison.Ordinal)))
            NegotiateProtocolVersion(parameters.Keys.Where(k => k.StartsWith("_pq_.", StringComparison.Ordinal)).ToList());

        if (options.AuthMethod != SimulatorAuthMethod.Trust)
        {
            byte[]? salt = null;
            if (options.AuthMethod == SimulatorAuthMethod.Md5)
            {
                salt = RandomNumberGenerator.GetBytes(4);
                _writer.AuthenticationMd5(salt);
            }
            else _writer.AuthenticationCleartext();
            await _writer.FlushAsync(ct).ConfigureAwait(false);
            var reply = await _reader.ReadMessageAsync(ct).ConfigureAwait(false);
            if (reply is not ('p', var body)) throw new IOException("client closed the connection during authentication");
            var given = body.ReadCString();
            var expected = salt is null ? options.Password! : Md5Response(user, options.Password!, salt);
            var ok = user == options.User && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));
            if (!ok)
            {
                logger.LogInformation("Simulator rejected the password of user {User}", user);
                throw new SimulatedPgException("28P01", $"password authentication failed for user \"{user}\"", severity: "FATAL");
            }
        }
        _writer.AuthenticationOk();

        var info = new SessionInfo(user, database, BackendPid);
        info.Report("application_name", parameters.GetValueOrDefault("application_name") ?? "");
        info.Report("client_encoding", parameters.GetValueOrDefault("client_encoding") is { } enc && enc.Equals("UTF8", StringComparison.OrdinalIgnoreCase) ? enc : "UTF8");
        info.Report("DateStyle", "ISO, MDY");
        info.Report("integer_datetimes", "on");
        info.Report("IntervalStyle", "postgres");
        info.Report("is_superuser", "on");
        info.Report("server_encoding", "UTF8");
        info.Report("server_version", options.ServerVersion);
        info.Report("session_authorization", user);
        info.Report("standard_conforming_strings", "on");
        info.Report("TimeZone", "UTC");
        foreach (var (name, value) in info.Reported) _writer.ParameterStatus(name, value);
        _writer.BackendKeyData(BackendPid, SecretKey);
        _writer.ReadyForQuery(_transaction.Status);
        await _writer.FlushAsync(ct).ConfigureAwait(false);
        return info;
    }

    void NegotiateProtocolVersion(List<string> unsupported)
    {
        _writer.Raw((byte)'v');
        var body = new List<byte>();
        void Int32(int v) => body.AddRange([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        Int32(Protocol3);
        Int32(unsupported.Count);
        foreach (var name in unsupported) { body.AddRange(Encoding.UTF8.GetBytes(name)); body.Add(0); }
        var length = body.Count + 4;
        foreach (var b in new[] { (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length }) _writer.Raw(b);
        foreach (var b in body) _writer.Raw(b);
    }

    static string Md5Response(string user, string password, byte[] salt)
    {
        var inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password + user)));
        return "md5" + Convert.ToHexStringLower(MD5.HashData([.. Encoding.UTF8.GetBytes(inner), .. salt]));
    }
}
