using Npgsql;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Pgxc;

/// <summary>
/// A real Postgres-XC/XL coordinator of a lab cluster on 127.0.0.1:<see cref="Port"/>, with its own
/// pooler_port. Its operations act on the real processes (see <see cref="LabServer"/>).
/// </summary>
public sealed class LabCoordinator : ILabCoordinator
{
    internal LabCoordinator(LabServer server) => Server = server;

    /// <summary>The server itself (data directory, log, pg_ctl operations, signals).</summary>
    public LabServer Server { get; }

    /// <inheritdoc />
    public string NodeName => Server.NodeName!;

    /// <inheritdoc />
    public string Host => Server.Address;

    /// <inheritdoc />
    public int Port => Server.Port;

    /// <summary>Its pooler_port (the Unix socket <c>.s.PGPOOL.port</c> in its socket folder).</summary>
    public int PoolerPort => Server.PoolerPort!.Value;

    /// <summary>Its data directory.</summary>
    public string DataDir => Server.DataDir;

    /// <summary>Its server log (pg_ctl -l).</summary>
    public string LogFile => Server.LogFile;

    /// <summary>The superuser's connection string, pooling off (so restarts and kills are seen at once);
    /// <paramref name="extra"/> is appended.</summary>
    public string ConnectionString(string? extra = null)
    {
        var text = Server.BuildConnectionString(pooling: false);
        return string.IsNullOrEmpty(extra) ? text : text + ";" + extra;
    }

    /// <summary>pg_ctl start -w -Z coordinator.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Server.StartAsync(cancellationToken);

    /// <summary>pg_ctl stop -m <paramref name="mode"/> -Z coordinator (smart never ends while sessions stay: use fast or immediate).</summary>
    public Task StopAsync(CancellationToken cancellationToken, string mode = "fast") => Server.StopAsync(cancellationToken, mode);

    /// <summary>kill -9 of the postmaster and every child (the pooler too).</summary>
    public Task KillAsync(CancellationToken cancellationToken) => Server.KillAsync(cancellationToken);

    /// <summary>kill -9 of the postmaster alone: its pooler lingers (see <see cref="LabServer.KillPostmasterOnlyAsync"/>).</summary>
    public Task<KilledPostmaster> KillPostmasterOnlyAsync(CancellationToken cancellationToken, bool freezeChildren = false) =>
        Server.KillPostmasterOnlyAsync(cancellationToken, freezeChildren);

    /// <summary>SIGSTOP to the postmaster and every child: it keeps its sockets and answers nothing.</summary>
    public Task FreezeAsync(CancellationToken cancellationToken) => Server.FreezeAsync(cancellationToken);

    /// <summary>SIGCONT to the postmaster and every child.</summary>
    public Task ThawAsync(CancellationToken cancellationToken) => Server.ThawAsync(cancellationToken);

    /// <summary>Opens a connection to it (pooling off). The caller disposes it.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
