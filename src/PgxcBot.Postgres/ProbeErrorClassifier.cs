using System.Net.Sockets;
using Npgsql;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Postgres;

/// <summary>Turns the failure of a probe into a <see cref="ProbeStatus"/> and a short, secret-free text.</summary>
internal static class ProbeErrorClassifier
{
    public static (ProbeStatus Status, string Error) Classify(Exception exception)
    {
        switch (exception)
        {
            case ProbeTimeoutException timeout:
                return (ProbeStatus.Timeout, timeout.Message);
            case SecretUnavailableException secret:
                return (ProbeStatus.NotAttempted, "cannot authenticate: " + secret.Message);
            case PostgresException pg:
                return (StatusOf(pg), Shorten($"{pg.SqlState}: {pg.MessageText}"));
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case TimeoutException:
                    return (ProbeStatus.Timeout, "no answer in time: " + Shorten(e.Message));
                case SocketException socket when socket.SocketErrorCode is SocketError.ConnectionRefused:
                    return (ProbeStatus.Unreachable, "connection refused");
                case SocketException socket when socket.SocketErrorCode is SocketError.ConnectionReset
                    or SocketError.ConnectionAborted or SocketError.Shutdown:
                    return (ProbeStatus.Unreachable, "connection reset");
                case SocketException socket when socket.SocketErrorCode is SocketError.HostUnreachable
                    or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.HostNotFound
                    or SocketError.TryAgain or SocketError.NoData:
                    return (ProbeStatus.Unreachable, Shorten(socket.Message));
                case SocketException socket when socket.SocketErrorCode is SocketError.TimedOut:
                    return (ProbeStatus.Timeout, "connect timed out");
                case EndOfStreamException:
                    return (ProbeStatus.Unreachable, "server closed the connection");
            }
        }

        if (exception is NpgsqlException { InnerException: IOException io })
            return (ProbeStatus.Unreachable, Shorten("connection lost: " + io.Message));
        return (ProbeStatus.Error, Shorten(exception.GetType().Name + ": " + exception.Message));
    }

    private static ProbeStatus StatusOf(PostgresException pg) => pg.SqlState switch
    {
        "28P01" or "28000" => ProbeStatus.AuthenticationFailed,
        // Starting up, shutting down, or a standby that does not accept connections (hot_standby off).
        "57P03" => ProbeStatus.NotQueryable,
        // The server is going down under us (fast/immediate shutdown, crash of another backend).
        "57P01" or "57P02" => ProbeStatus.Unreachable,
        // XL: a stock hot standby never gets a GTM snapshot: running, but not queryable.
        "XX000" when pg.MessageText.Contains("unable to obtain a snapshot from GTM", StringComparison.OrdinalIgnoreCase) => ProbeStatus.NotQueryable,
        // Any node while the GTM is down or out of reach: XL "Could not obtain a transaction ID from GTM",
        // XC "can not connect to GTM" (08000) then "GTM error, could not obtain snapshot".
        _ when IsGtmOutage(pg.MessageText) => ProbeStatus.GtmUnavailable,
        _ => ProbeStatus.Error,
    };

    private static bool IsGtmOutage(string message) =>
        message.Contains("obtain a transaction ID from GTM", StringComparison.OrdinalIgnoreCase)
        || message.Contains("connect to GTM", StringComparison.OrdinalIgnoreCase)
        || message.Contains("GTM error", StringComparison.OrdinalIgnoreCase)
        || message.Contains("register Datanode on GTM", StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..197] + "...";
    }
}

/// <summary>Our own deadline fired: the server did not answer within the configured timeout.</summary>
internal sealed class ProbeTimeoutException(string message) : Exception(message);
