using PgxcBot.Core.Outbox;
using PgxcBot.Core.Topology;
using PgxcBot.Store;
using PgxcBot.Store.Postgres;

namespace PgxcBot.Hosting;

/// <summary>
/// What a command's bot is built from: all read, resolved or opened before the container is built
/// (<see cref="BotComposition.AddPgxcBot"/>).
/// </summary>
public sealed record BotSetup
{
    /// <summary>The options as <see cref="ConfigLoader"/> read them (validated when the host starts).</summary>
    public required PgxcBotOptions Options { get; init; }

    /// <summary>The config file's directory; relative store paths resolve against it.</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>How <c>{"env": ...}</c> and <c>{"file": ...}</c> references become secrets (the process environment in production).</summary>
    public required ISecretResolver Secrets { get; init; }

    /// <summary>The opened store.</summary>
    public required BotStore Store { get; init; }

    /// <summary>The terminal the command prints operation progress (and, with the console's monitor, alerts) to;
    /// null for none.</summary>
    public TextWriter? Terminal { get; init; }

    /// <summary>For <see cref="BotCommand.Console"/>: also run the monitor, its alerts on the terminal.</summary>
    public bool ConsoleMonitor { get; init; }

    /// <summary>A topology built in code (a lab's) instead of the one validated from <see cref="Options"/>.</summary>
    public ClusterTopology? Topology { get; init; }

    /// <summary>A test's chat channel that gets the monitor's alerts instead of the command's own target
    /// (<see cref="BotComposition.AlertTargetOf"/>).</summary>
    public IOutboxChannel? AlertChannel { get; init; }
}

/// <summary>The bot's opened store: one bot's SQLite file, or the PostgreSQL database replicas share.</summary>
public abstract record BotStore
{
    private BotStore()
    {
    }

    /// <summary>A SQLite file (<c>store.path</c>).</summary>
    public sealed record Sqlite(SqliteStore Store) : BotStore;

    /// <summary>The shared PostgreSQL store (<c>store.connectionString</c>) and this replica's lease in it.</summary>
    /// <param name="ReplicaId">This replica's name in the lease.</param>
    /// <param name="Lease">How long a lease lasts without renewal.</param>
    public sealed record Shared(PostgresStore Store, string ReplicaId, TimeSpan Lease) : BotStore;
}
