using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Store;

/// <summary>
/// Operations in a store's <c>operation</c> table, the same on SQLite and PostgreSQL. The columns that are searched or
/// compared (kind, datanode, state, plan_version, revision, runner, lease) are columns and win over the document; the
/// rest is one JSON document rewritten whole with each change. A unit of work is one transaction in which every
/// process decides on the latest version (<see cref="IStoreDatabase.BeginOperationsAsync"/>).
/// </summary>
public abstract class SqlOperationStore : IOperationStore
{
    private const string Columns = "id, state, plan_version, revision, runner, lease_until_ms, document";

    private static readonly string OpenStates = "(" + string.Join(", ",
        new[] { OperationState.Planned, OperationState.AwaitingApproval, OperationState.Running, OperationState.Interrupted }.Select(s => $"'{s}'")) + ")";

    private readonly IStoreDatabase _db;
    private readonly TimeProvider _time;

    private protected SqlOperationStore(IStoreDatabase db, TimeProvider? time)
    {
        _db = db;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<IOperationUnitOfWork> BeginAsync(CancellationToken cancellationToken)
    {
        var (connection, tx) = await _db.BeginOperationsAsync(cancellationToken).ConfigureAwait(false);
        return new UnitOfWork(this, connection, tx);
    }

    /// <inheritdoc />
    public async Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
        (await _db.ReadAsync($"operation {id}", c => Query(c, null, $"SELECT {Columns} FROM operation WHERE id = @id;", cancellationToken, ("id", id)),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync("the open operations", c => Query(c, null, $"SELECT {Columns} FROM operation WHERE state IN {OpenStates} ORDER BY id;", cancellationToken),
            cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        // Two texts rather than "@d IS NULL OR ...": PostgreSQL cannot type a parameter that is only ever NULL.
        _db.ReadAsync("the operation history", c => Query(c, null,
            $"SELECT {Columns} FROM operation {(datanode is null ? "" : "WHERE datanode = @d ")}ORDER BY id DESC LIMIT @limit;", cancellationToken,
            ("d", datanode), ("limit", limit)), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(long id, string runner, DateTimeOffset until, CancellationToken cancellationToken) =>
        _db.WriteAsync($"the lease of operation {id}", async (c, tx) => await StoreSql.Execute(c, tx,
            "UPDATE operation SET lease_until_ms = @until WHERE id = @id AND state = 'Running' AND runner = @runner;", cancellationToken,
            ("id", id), ("runner", runner), ("until", until.ToUnixTimeMilliseconds())).ConfigureAwait(false) == 1, cancellationToken);

    private Task<IReadOnlyList<Operation>> Query(DbConnection connection, DbTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters) =>
        StoreSql.Query(connection, tx, sql, Read, cancellationToken, parameters);

    private Operation Read(DbDataReader reader)
    {
        var id = reader.GetInt64(0);
        var document = JsonSerializer.Deserialize(reader.GetString(6), RunbookJson.Info<Operation>())
                       ?? throw new InvalidDataException($"the document of operation {id} {_db.RowPlace} is empty");
        // The columns are what every compare-and-set checked: they win over the document.
        return document with
        {
            Id = id,
            State = StoreText.ParseEnum<OperationState>(reader.GetString(1), "operation.state", id.ToString(CultureInfo.InvariantCulture)),
            Nonce = reader.GetString(2).Length > 0 ? reader.GetString(2) : document.Nonce,
            Revision = reader.GetInt64(3),
            Runner = reader.IsDBNull(4) ? null : reader.GetString(4),
            LeaseExpiresAt = reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        };
    }

    private string Now() => StoreText.Time(_time.GetUtcNow());

    /// <summary>One transaction of <see cref="IStoreDatabase.BeginOperationsAsync"/>; disposed without commit, it rolls back.</summary>
    private sealed class UnitOfWork(SqlOperationStore owner, DbConnection connection, DbTransaction tx) : IOperationUnitOfWork
    {
        private bool _committed;
        private bool _enqueued;

        public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
            Guard($"operation {id}", write: false, async () => (await owner.Query(connection, tx, $"SELECT {Columns} FROM operation WHERE id = @id;",
                cancellationToken, ("id", id)).ConfigureAwait(false)).FirstOrDefault());

        public Task<IReadOnlyList<Operation>> GetOpenAsync(string datanode, CancellationToken cancellationToken) =>
            Guard($"the open operations of {datanode}", write: false, () => owner.Query(connection, tx,
                $"SELECT {Columns} FROM operation WHERE datanode = @d AND state IN {OpenStates} ORDER BY id;", cancellationToken, ("d", datanode)));

        public Task<Operation> InsertAsync(Operation operation, CancellationToken cancellationToken) =>
            Guard($"a new {operation.Kind} of {operation.Datanode}", write: true, async () =>
            {
                var id = Convert.ToInt64(await StoreSql.Scalar(connection, tx, """
                    INSERT INTO operation (kind, datanode, state, requested_at, updated_at, document, plan_version, revision, runner, lease_until_ms)
                    VALUES (@kind, @d, @state, @requested, @now, '{}', @plan, 1, @runner, @lease) RETURNING id;
                    """, cancellationToken, ("kind", operation.Kind), ("d", operation.Datanode), ("state", operation.State.ToString()),
                    ("requested", StoreText.Time(operation.RequestedAt)), ("now", owner.Now()), ("plan", operation.Nonce), ("runner", operation.Runner),
                    ("lease", operation.LeaseExpiresAt?.ToUnixTimeMilliseconds())).ConfigureAwait(false), CultureInfo.InvariantCulture);
                var stored = operation with { Id = id, Revision = 1 };
                await StoreSql.Execute(connection, tx, "UPDATE operation SET document = @doc WHERE id = @id;", cancellationToken,
                    ("id", stored.Id), ("doc", JsonSerializer.Serialize(stored, RunbookJson.Info<Operation>()))).ConfigureAwait(false);
                return stored;
            });

        public Task<Operation?> TryReplaceAsync(Operation expected, Operation next, CancellationToken cancellationToken) =>
            Guard($"operation {expected.Id}", write: true, async () =>
            {
                if (next.Id != expected.Id) throw new ArgumentException($"operation {next.Id} cannot replace operation {expected.Id}", nameof(next));
                var written = next with { Revision = expected.Revision + 1 };
                var changed = await StoreSql.Execute(connection, tx, """
                    UPDATE operation SET state = @state, plan_version = @plan, revision = revision + 1, runner = @runner, lease_until_ms = @lease,
                        updated_at = @now, document = @doc
                    WHERE id = @id AND state = @expectedState AND plan_version = @expectedPlan AND revision = @expectedRevision;
                    """, cancellationToken, ("state", written.State.ToString()), ("plan", written.Nonce), ("runner", written.Runner),
                    ("lease", written.LeaseExpiresAt?.ToUnixTimeMilliseconds()), ("now", owner.Now()), ("doc", JsonSerializer.Serialize(written, RunbookJson.Info<Operation>())),
                    ("id", expected.Id), ("expectedState", expected.State.ToString()), ("expectedPlan", expected.Nonce), ("expectedRevision", expected.Revision)).ConfigureAwait(false);
                return changed == 1 ? written : (Operation?)null;
            });

        public Task EnqueueAsync(IReadOnlyList<OutboxEntry> entries, CancellationToken cancellationToken) =>
            Guard("the chat outbox", write: true, async () =>
            {
                await SqlOutboxStore.InsertAsync(connection, tx, entries, cancellationToken).ConfigureAwait(false);
                _enqueued |= entries.Count > 0;
                return true;
            });

        public Task CommitAsync(CancellationToken cancellationToken) =>
            Guard("a change of operations", write: true, async () =>
            {
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                _committed = true;
                owner._db.WriteSucceeded();
                if (_enqueued) owner._db.Pulse.Fire();
                return true;
            });

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_committed) await tx.RollbackAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException || owner._db.IsFailure(e))
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
            catch (Exception e) when (owner._db.IsFailure(e))
            {
                throw owner._db.Unavailable(what, e, write);
            }
        }
    }
}
