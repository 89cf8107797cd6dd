using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PgxcBot.Core.Operations;

namespace PgxcBot.Store;

/// <summary>
/// Operations in the bot's SQLite file. The columns that are searched or compared (kind, datanode, state,
/// plan_version, revision, runner, lease) are columns and win over the document; the rest is one JSON
/// document rewritten whole with each change. A unit of work is one <c>BEGIN IMMEDIATE</c> transaction:
/// it takes the file's write lock before its first read, so every process decides on the latest version.
/// </summary>
public sealed class SqliteOperationStore(SqliteStore store, TimeProvider? time = null) : IOperationStore
{
    private const string Columns = "id, state, plan_version, revision, runner, lease_until_ms, document";

    private static readonly string[] OpenStates =
        [nameof(OperationState.Planned), nameof(OperationState.AwaitingApproval), nameof(OperationState.Running), nameof(OperationState.Interrupted)];

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<IOperationUnitOfWork> BeginAsync(CancellationToken cancellationToken)
    {
        SqliteConnection? connection = null;
        try
        {
            connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            // BEGIN IMMEDIATE: the write lock now, not at the first write, so the reads of this unit are the
            // version the writes are decided on (a deferred read would race another process's writer).
            var tx = connection.BeginTransaction(deferred: false);
            return new UnitOfWork(this, connection, tx);
        }
        catch (SqliteException e)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            throw store.Unavailable("(it could not take the write lock)", e, write: true);
        }
    }

    /// <inheritdoc />
    public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
        store.ReadAsync($"operation {id}", async connection =>
            (await QueryAsync(connection, null, $"SELECT {Columns} FROM operation WHERE id = $id;", c => c.Parameters.AddWithValue("$id", id), cancellationToken)
                .ConfigureAwait(false)).FirstOrDefault(), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Operation>> GetOpenAsync(CancellationToken cancellationToken) =>
        store.ReadAsync("the open operations", connection => QueryAsync(connection, null,
            $"SELECT {Columns} FROM operation WHERE state IN ({OpenStateList}) ORDER BY id;", BindOpenStates, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Operation>> GetHistoryAsync(string? datanode, int limit, CancellationToken cancellationToken) =>
        store.ReadAsync("the operation history", connection => QueryAsync(connection, null,
            $"SELECT {Columns} FROM operation WHERE ($datanode IS NULL OR datanode = $datanode) ORDER BY id DESC LIMIT $limit;",
            c =>
            {
                c.Parameters.AddWithValue("$datanode", (object?)datanode ?? DBNull.Value);
                c.Parameters.AddWithValue("$limit", limit);
            }, cancellationToken), cancellationToken);

    /// <inheritdoc />
    public Task<bool> RenewLeaseAsync(long id, string runner, DateTimeOffset until, CancellationToken cancellationToken) =>
        store.WriteAsync($"the lease of operation {id}", async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE operation SET lease_until_ms = $until WHERE id = $id AND state = 'Running' AND runner = $runner;";
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$runner", runner);
            command.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken);

    private static string OpenStateList => string.Join(", ", OpenStates.Select((_, i) => "$s" + i));

    private static void BindOpenStates(SqliteCommand command)
    {
        for (var i = 0; i < OpenStates.Length; i++) command.Parameters.AddWithValue("$s" + i, OpenStates[i]);
    }

    private async Task<IReadOnlyList<Operation>> QueryAsync(SqliteConnection connection, SqliteTransaction? tx, string sql, Action<SqliteCommand> bind,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        bind(command);
        var result = new List<Operation>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var document = JsonSerializer.Deserialize<Operation>(reader.GetString(6), RunbookJson.Options)
                           ?? throw new InvalidDataException($"the document of operation {reader.GetInt64(0)} in {store.Path} is empty");
            var state = Enum.TryParse<OperationState>(reader.GetString(1), out var parsed) && Enum.IsDefined(parsed)
                ? parsed
                : throw new InvalidDataException($"operation {reader.GetInt64(0)} in {store.Path} has state '{reader.GetString(1)}', which this bot does not know");
            // The columns are what every compare-and-set checked: they win over the document.
            result.Add(document with
            {
                Id = reader.GetInt64(0),
                State = state,
                Nonce = reader.GetString(2).Length > 0 ? reader.GetString(2) : document.Nonce,
                Revision = reader.GetInt64(3),
                Runner = reader.IsDBNull(4) ? null : reader.GetString(4),
                LeaseExpiresAt = reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            });
        }
        return result;
    }

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static void BindRow(SqliteCommand command, Operation operation)
    {
        command.Parameters.AddWithValue("$state", operation.State.ToString());
        command.Parameters.AddWithValue("$plan", operation.Nonce);
        command.Parameters.AddWithValue("$runner", (object?)operation.Runner ?? DBNull.Value);
        command.Parameters.AddWithValue("$lease", (object?)operation.LeaseExpiresAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$document", JsonSerializer.Serialize(operation, RunbookJson.Options));
    }

    /// <summary>One BEGIN IMMEDIATE transaction; disposed without commit, it rolls back.</summary>
    private sealed class UnitOfWork(SqliteOperationStore owner, SqliteConnection connection, SqliteTransaction tx) : IOperationUnitOfWork
    {
        private bool _committed;
        private bool _enqueued;

        public Task<Operation?> GetAsync(long id, CancellationToken cancellationToken) =>
            Guard($"operation {id}", write: false, async () =>
                (await owner.QueryAsync(connection, tx, $"SELECT {Columns} FROM operation WHERE id = $id;", c => c.Parameters.AddWithValue("$id", id), cancellationToken)
                    .ConfigureAwait(false)).FirstOrDefault());

        public Task<IReadOnlyList<Operation>> GetOpenAsync(string datanode, CancellationToken cancellationToken) =>
            Guard($"the open operations of {datanode}", write: false, () => owner.QueryAsync(connection, tx,
                $"SELECT {Columns} FROM operation WHERE datanode = $datanode AND state IN ({OpenStateList}) ORDER BY id;",
                c =>
                {
                    c.Parameters.AddWithValue("$datanode", datanode);
                    BindOpenStates(c);
                }, cancellationToken));

        public Task<Operation> InsertAsync(Operation operation, CancellationToken cancellationToken) =>
            Guard($"a new {operation.Kind} of {operation.Datanode}", write: true, async () =>
            {
                long id;
                await using (var insert = connection.CreateCommand())
                {
                    insert.Transaction = tx;
                    insert.CommandText = """
                        INSERT INTO operation (kind, datanode, state, requested_at, updated_at, document, plan_version, revision, runner, lease_until_ms)
                        VALUES ($kind, $datanode, $state, $requested, $now, '{}', $plan, 1, $runner, $lease) RETURNING id;
                        """;
                    insert.Parameters.AddWithValue("$kind", operation.Kind);
                    insert.Parameters.AddWithValue("$datanode", operation.Datanode);
                    insert.Parameters.AddWithValue("$requested", operation.RequestedAt.ToString("O", CultureInfo.InvariantCulture));
                    insert.Parameters.AddWithValue("$now", owner.Now());
                    insert.Parameters.AddWithValue("$state", operation.State.ToString());
                    insert.Parameters.AddWithValue("$plan", operation.Nonce);
                    insert.Parameters.AddWithValue("$runner", (object?)operation.Runner ?? DBNull.Value);
                    insert.Parameters.AddWithValue("$lease", (object?)operation.LeaseExpiresAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
                    id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                }
                var stored = operation with { Id = id, Revision = 1 };
                await using var document = connection.CreateCommand();
                document.Transaction = tx;
                document.CommandText = "UPDATE operation SET document = $document WHERE id = $id;";
                document.Parameters.AddWithValue("$id", id);
                document.Parameters.AddWithValue("$document", JsonSerializer.Serialize(stored, RunbookJson.Options));
                await document.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return stored;
            });

        public Task<Operation?> TryReplaceAsync(Operation expected, Operation next, CancellationToken cancellationToken) =>
            Guard($"operation {expected.Id}", write: true, async () =>
            {
                if (next.Id != expected.Id) throw new ArgumentException($"operation {next.Id} cannot replace operation {expected.Id}", nameof(next));
                var written = next with { Revision = expected.Revision + 1 };
                await using var command = connection.CreateCommand();
                command.Transaction = tx;
                command.CommandText = """
                    UPDATE operation SET state = $state, plan_version = $plan, revision = revision + 1, runner = $runner, lease_until_ms = $lease,
                        updated_at = $now, document = $document
                    WHERE id = $id AND state = $expectedState AND plan_version = $expectedPlan AND revision = $expectedRevision;
                    """;
                BindRow(command, written);
                command.Parameters.AddWithValue("$now", owner.Now());
                command.Parameters.AddWithValue("$id", expected.Id);
                command.Parameters.AddWithValue("$expectedState", expected.State.ToString());
                command.Parameters.AddWithValue("$expectedPlan", expected.Nonce);
                command.Parameters.AddWithValue("$expectedRevision", expected.Revision);
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? written : (Operation?)null;
            });

        public Task EnqueueAsync(IReadOnlyList<Core.Outbox.OutboxEntry> entries, CancellationToken cancellationToken) =>
            Guard("the chat outbox", write: true, async () =>
            {
                await SqliteOutboxStore.InsertAsync(connection, tx, entries, cancellationToken).ConfigureAwait(false);
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
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
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
            catch (SqliteException e)
            {
                throw owner.Store.Unavailable(what, e, write);
            }
        }
    }

    private SqliteStore Store => store;
}
