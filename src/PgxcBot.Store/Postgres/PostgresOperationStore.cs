using System.Text.Json;
using Npgsql;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store.Postgres;

/// <summary>
/// Operations in the PostgreSQL store, with the columns and document of the SQLite store. A unit of work is one
/// transaction that first takes a transaction-level advisory lock (the counterpart of SQLite's BEGIN IMMEDIATE: every
/// replica decides on the latest version) and checks the fencing token, so a deposed leader cannot change an operation.
/// </summary>
public sealed class PostgresOperationStore(PostgresStore store, TimeProvider? time = null) : IOperationStore
{
    private const string Columns = "id, state, plan_version, revision, runner, lease_until_ms, document";
    private const string OpenStates = "('Planned', 'AwaitingApproval', 'Running', 'Interrupted')";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<IOperationUnitOfWork> BeginAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await PostgresStore.Execute(connection, tx, "SELECT pg_advisory_xact_lock(@key);", cancellationToken, ("key", PostgresStore.OperationLockKey)).ConfigureAwait(false);
            await store.CheckFenceAsync(connection, tx, "a change of operations", cancellationToken).ConfigureAwait(false);
            return new UnitOfWork(this, connection, tx);
        }
        catch (Exception e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            if (e is NpgsqlException or TimeoutException) throw store.Unavailable("(it could not take the operations lock)", e, write: true);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
        (await store.ReadAsync($"operation {id}", c => PostgresStore.Query(c, null, $"SELECT {Columns} FROM operation WHERE id = @id;", Read, cancellationToken, ("id", id)),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the open operations", c => PostgresStore.Query(c, null, $"SELECT {Columns} FROM operation WHERE state IN {OpenStates} ORDER BY id;", Read,
            cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync("the operation history", c => PostgresStore.Query(c, null,
            $"SELECT {Columns} FROM operation WHERE (@d::text IS NULL OR datanode = @d::text) ORDER BY id DESC LIMIT @limit;", Read, cancellationToken,
            ("d", datanode), ("limit", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(long id, string runner, DateTimeOffset until, CancellationToken cancellationToken) =>
        store.WriteAsync($"the lease of operation {id}", async (c, tx) => await PostgresStore.Execute(c, tx,
            "UPDATE operation SET lease_until_ms = @until WHERE id = @id AND state = 'Running' AND runner = @runner;", cancellationToken,
            ("id", id), ("runner", runner), ("until", until.ToUnixTimeMilliseconds())).ConfigureAwait(false) == 1, cancellationToken);

    private Operation Read(NpgsqlDataReader reader)
    {
        var id = reader.GetInt64(0);
        var document = JsonSerializer.Deserialize<Operation>(reader.GetString(6), RunbookJson.Options)
                       ?? throw new InvalidDataException($"the document of operation {id} in the {store.Description} is empty");
        // The columns are what every compare-and-set checked: they win over the document.
        return document with
        {
            Id = id,
            State = StoreText.ParseEnum<OperationState>(reader.GetString(1), "operation.state", id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Nonce = reader.GetString(2).Length > 0 ? reader.GetString(2) : document.Nonce,
            Revision = reader.GetInt64(3),
            Runner = reader.IsDBNull(4) ? null : reader.GetString(4),
            LeaseExpiresAt = reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        };
    }

    private string Now() => StoreText.Time(_time.GetUtcNow());

    /// <summary>One transaction under the operations lock; disposed without commit, it rolls back.</summary>
    private sealed class UnitOfWork(PostgresOperationStore owner, NpgsqlConnection connection, NpgsqlTransaction tx) : IOperationUnitOfWork
    {
        private bool _committed;
        private bool _enqueued;

        public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
            Guard($"operation {id}", write: false, async () => (await PostgresStore.Query(connection, tx, $"SELECT {Columns} FROM operation WHERE id = @id;", owner.Read,
                cancellationToken, ("id", id)).ConfigureAwait(false)).FirstOrDefault());

        public Task<IReadOnlyList<Operation>> GetOpenAsync(string datanode, CancellationToken cancellationToken) =>
            Guard($"the open operations of {datanode}", write: false, () => PostgresStore.Query(connection, tx,
                $"SELECT {Columns} FROM operation WHERE datanode = @d AND state IN {OpenStates} ORDER BY id;", owner.Read, cancellationToken, ("d", datanode)));

        public Task<Operation> InsertAsync(Operation operation, CancellationToken cancellationToken) =>
            Guard($"a new {operation.Kind} of {operation.Datanode}", write: true, async () =>
            {
                var ids = await PostgresStore.Query(connection, tx, """
                    INSERT INTO operation (kind, datanode, state, requested_at, updated_at, document, plan_version, revision, runner, lease_until_ms)
                    VALUES (@kind, @d, @state, @requested, @now, '{}', @plan, 1, @runner, @lease) RETURNING id;
                    """, r => r.GetInt64(0), cancellationToken, ("kind", operation.Kind), ("d", operation.Datanode), ("state", operation.State.ToString()),
                    ("requested", StoreText.Time(operation.RequestedAt)), ("now", owner.Now()), ("plan", operation.Nonce), ("runner", operation.Runner),
                    ("lease", operation.LeaseExpiresAt?.ToUnixTimeMilliseconds())).ConfigureAwait(false);
                var stored = operation with { Id = ids[0], Revision = 1 };
                await PostgresStore.Execute(connection, tx, "UPDATE operation SET document = @doc WHERE id = @id;", cancellationToken,
                    ("id", stored.Id), ("doc", JsonSerializer.Serialize(stored, RunbookJson.Options))).ConfigureAwait(false);
                return stored;
            });

        public Task<Operation?> TryReplaceAsync(Operation expected, Operation next, CancellationToken cancellationToken) =>
            Guard($"operation {expected.Id}", write: true, async () =>
            {
                if (next.Id != expected.Id) throw new ArgumentException($"operation {next.Id} cannot replace operation {expected.Id}", nameof(next));
                var written = next with { Revision = expected.Revision + 1 };
                var changed = await PostgresStore.Execute(connection, tx, """
                    UPDATE operation SET state = @state, plan_version = @plan, revision = revision + 1, runner = @runner, lease_until_ms = @lease,
                        updated_at = @now, document = @doc
                    WHERE id = @id AND state = @expectedState AND plan_version = @expectedPlan AND revision = @expectedRevision;
                    """, cancellationToken, ("state", written.State.ToString()), ("plan", written.Nonce), ("runner", written.Runner),
                    ("lease", written.LeaseExpiresAt?.ToUnixTimeMilliseconds()), ("now", owner.Now()), ("doc", JsonSerializer.Serialize(written, RunbookJson.Options)),
                    ("id", expected.Id), ("expectedState", expected.State.ToString()), ("expectedPlan", expected.Nonce), ("expectedRevision", expected.Revision)).ConfigureAwait(false);
                return changed == 1 ? written : (Operation?)null;
            });

        public Task EnqueueAsync(IReadOnlyList<Core.Outbox.OutboxEntry> entries, CancellationToken cancellationToken) =>
            Guard("the chat outbox", write: true, async () =>
            {
                await PostgresOutboxStore.InsertAsync(connection, tx, entries, cancellationToken).ConfigureAwait(false);
                _enqueued |= entries.Count > 0;
                return true;
            });

        public Task CommitAsync(CancellationToken cancellationToken) =>
            Guard("a change of operations", write: true, async () =>
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                _committed = true;
                owner.Store.WriteSucceeded();
                if (_enqueued) owner.Store.Pulse.Fire();
                return true;
            });

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_committed) await tx.RollbackAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // Closing the connection rolls back too.
            }
            await tx.DisposeAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        private async Task<T> Guard<T>(string what, bool write, Func<Task<T>> work)
        {
            try
            {
                return await work().ConfigureAwait(false);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                throw owner.Store.Unavailable(what, e, write);
            }
        }
    }

    private PostgresStore Store => store;
}
