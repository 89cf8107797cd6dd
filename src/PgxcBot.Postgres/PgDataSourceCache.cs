using System.Collections.Concurrent;
using Npgsql;

namespace PgxcBot.Postgres;

/// <summary>What kind of server a data source talks to; coordinators skip Npgsql's type loading.</summary>
internal enum PgServerKind { Datanode, Coordinator }

/// <summary>
/// One pooled <see cref="NpgsqlDataSource"/> per endpoint and settings, kept across snapshots so each
/// probe usually reuses an open connection. A failed probe (not a late one: BoundedQuery) clears its pool (see
/// <see cref="NpgsqlDataSource.Clear"/>) so a restarted or dead server leaves no broken connections behind.
/// </summary>
/// <param name="late">What the caller's <see cref="BoundedQuery"/> does with a late query: with
/// <see cref="LateQuery.Finish"/>, Npgsql's own connect and command timeouts are <see cref="LateAnswerFactor"/> times the
/// caller's deadlines, else the deadlines themselves (whole seconds, rounded up).</param>
/// <param name="keepOneOpen">Keep one session per server once opened (Npgsql's MinPoolSize 1): the idle pruning leaves it.</param>
/// <param name="idleLifetime">How long an idle session beyond the kept one stays in the pool; null: <see cref="IdleLifetime"/>
/// (tests shorten it, whole seconds, at least 2).</param>
/// <param name="time">The clock of <see cref="UnusedAfter"/>; null: the system's.</param>
/// <remarks>A data source not asked for during <see cref="UnusedAfter"/> is disposed at a later <see cref="Get"/> (its
/// kept session closed): a server that left the topology does not keep a session open until the bot stops.</remarks>
internal sealed class PgDataSourceCache(LateQuery late = LateQuery.Cancel, bool keepOneOpen = false, TimeSpan? idleLifetime = null,
    TimeProvider? time = null)
    : IAsyncDisposable, IDisposable
{
    /// <summary>How long a pooled session may stay idle before Npgsql closes it (its pruning checks every 10 s).</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(60);

    private readonly int _backstopFactor = late == LateQuery.Finish ? LateAnswerFactor : 1;
    private readonly int _idleSeconds = Math.Max(2, WholeSeconds(idleLifetime ?? IdleLifetime));

    /// <summary>The backstop factor for read-only probes whose late openings and answers are left to finish
    /// (<see cref="LateQuery.Finish"/>): with Npgsql's timeouts equal to the bot's deadlines they raced them, and on a
    /// loaded host (128 lab pairs on 2 cores, a session start taking seconds) Npgsql aborted every late opening and
    /// query as the deadline passed, so no connection ever reached the pool. Five times: 2 s deadlines, 10 s backstops;
    /// a frozen server holds at most a pool's 4 connections that long.</summary>
    public const int LateAnswerFactor = 5;

    /// <summary>How long without a <see cref="Get"/> before a data source is disposed: three times the production idle
    /// lifetime, and longer than every caller's period (the poll's second, the kept runbook sessions' minute).</summary>
    public static readonly TimeSpan UnusedAfter = TimeSpan.FromMinutes(3);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<SourceKey, Entry> _sources = new();
    // Taken by every Get and sweep: an entry touched by a Get is never the one a sweep disposes.
    private readonly Lock _gate = new();
    private long _lastSweep = (time ?? TimeProvider.System).GetTimestamp();

    /// <summary>The pooled data source for one server and these timeouts, made at the first call. Called for every
    /// probe (32 a second for 16 pairs), so the lookup builds no connection string: building one per call was 4 % of
    /// the idle bot's CPU (perf, 16 lab pairs).</summary>
    public NpgsqlDataSource Get(PgServerKind kind, string address, int port, string user, string database,
        string? password, TimeSpan connectTimeout, TimeSpan commandTimeout)
    {
        var key = new SourceKey(kind, address, port, user, database, password, connectTimeout, commandTimeout);
        var now = _time.GetTimestamp();
        Entry entry;
        List<Entry>? unused;
        lock (_gate)
        {
            entry = _sources.GetOrAdd(key, k => new Entry(new Lazy<NpgsqlDataSource>(() => Build(ConnectionString(k)))));
            entry.LastUsed = now;
            unused = TakeUnused(now);
        }
        // Nothing runs on them: a late probe ends within its backstop, far shorter than UnusedAfter.
        if (unused is not null)
            foreach (var gone in unused.Where(e => e.Source.IsValueCreated)) gone.Source.Value.Dispose();
        return entry.Source.Value;
    }

    /// <summary>Removes the entries not asked for during <see cref="UnusedAfter"/> (null when none); looks at most once a
    /// third of that. Under <see cref="_gate"/>.</summary>
    private List<Entry>? TakeUnused(long now)
    {
        if (_time.GetElapsedTime(_lastSweep, now) < UnusedAfter / 3) return null;
        _lastSweep = now;
        List<Entry>? unused = null;
        foreach (var (key, entry) in _sources)
        {
            if (_time.GetElapsedTime(entry.LastUsed, now) < UnusedAfter || !_sources.TryRemove(key, out _)) continue;
            (unused ??= []).Add(entry);
        }
        return unused;
    }

    /// <summary>What a data source is made from; it holds the password, stays in memory and is never logged.</summary>
    private readonly record struct SourceKey(PgServerKind Kind, string Address, int Port, string User, string Database, string? Password,
        TimeSpan ConnectTimeout, TimeSpan CommandTimeout);

    /// <summary>A data source and when it was last asked for (a <see cref="TimeProvider"/> timestamp).</summary>
    private sealed class Entry(Lazy<NpgsqlDataSource> source)
    {
        public Lazy<NpgsqlDataSource> Source { get; } = source;
        public long LastUsed;
    }

    /// <summary>The settings of the data source for <paramref name="key"/>.</summary>
    private NpgsqlConnectionStringBuilder ConnectionString(SourceKey key)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = key.Address,
            Port = key.Port,
            Username = key.User,
            Database = key.Database,
            Password = key.Password,
            ApplicationName = "pgxcbot",
            // Whole seconds only: our own deadline (a CancellationToken plus WaitAsync) enforces the exact
            // timeout; these are a backstop that also ends abandoned attempts.
            Timeout = WholeSeconds(key.ConnectTimeout * _backstopFactor),
            CommandTimeout = WholeSeconds(key.CommandTimeout * _backstopFactor),
            // After a cancelled query Npgsql waits this long for the server to confirm before breaking
            // the connection; a frozen server never confirms.
            CancellationTimeout = (int)Math.Clamp(key.CommandTimeout.TotalMilliseconds, 100, 2000),
            Pooling = true,
            MinPoolSize = keepOneOpen ? 1 : 0,
            MaxPoolSize = 4,
            ConnectionIdleLifetime = _idleSeconds,
            // Npgsql's default (10 s), or less for a shorter lifetime: it must stay below the lifetime.
            ConnectionPruningInterval = Math.Min(10, _idleSeconds / 2),
            // We change no session state, and XL coordinators (and our simulator) need not answer DISCARD ALL.
            NoResetOnClose = true,
            SslMode = SslMode.Disable,
            TcpKeepAlive = true,
        };
        if (key.Kind == PgServerKind.Datanode)
        {
            // The probe's statements, prepared on each pooled connection from their second use: the server then
            // skips planning them. Planning is most of their cost (PostgreSQL 15 on this 2-core host, psql \timing,
            // warm session: facts 4.0 ms planned each time, 0.47 ms prepared; replication 0.9 / 0.26 ms; WAL 3.8 /
            // 1.6 ms), paid every poll for every server. Coordinators are left alone: a Postgres-XC/XL coordinator
            // routes named statements through its pooler, and the simulator speaks only the unnamed ones.
            builder.MaxAutoPrepare = 8;
            builder.AutoPrepareMinUsages = 2;
        }
        return builder;
    }

    private static NpgsqlDataSource Build(NpgsqlConnectionStringBuilder connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString);
        // Server Compatibility Mode=NoTypeLoading: coordinators may not answer Npgsql's type-loading
        // catalog query; our SQL casts to built-in types, so datanodes skip it too (one round trip less).
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return builder.Build();
    }

    private static int WholeSeconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _sources.Values.Where(e => e.Source.IsValueCreated))
            await entry.Source.Value.DisposeAsync().ConfigureAwait(false);
        _sources.Clear();
    }

    /// <summary>For containers disposed synchronously: closing idle pooled connections does not block.</summary>
    public void Dispose()
    {
        foreach (var entry in _sources.Values.Where(e => e.Source.IsValueCreated)) entry.Source.Value.Dispose();
        _sources.Clear();
    }
}
