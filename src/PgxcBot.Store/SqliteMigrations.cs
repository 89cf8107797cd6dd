namespace PgxcBot.Store;

/// <summary>One schema change. <see cref="Version"/> is written to PRAGMA user_version in the same
/// transaction as <see cref="Sql"/>, so a migration is applied whole or not at all.</summary>
public sealed record SqliteMigration(int Version, string Name, string Sql);

/// <summary>
/// The schema, as an ordered list. A released migration is never edited: a later change (operations,
/// steps, approvals, alerts) is a new entry appended with the next version number.
/// </summary>
public static class SqliteMigrations
{
    public static IReadOnlyList<SqliteMigration> All { get; } =
    [
        new(1, "pair state and transition history", """
            CREATE TABLE pair_state (
                datanode   TEXT PRIMARY KEY NOT NULL,
                state      TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;

            CREATE TABLE pair_transition (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                datanode   TEXT NOT NULL REFERENCES pair_state (datanode),
                at         TEXT NOT NULL,
                at_ms      INTEGER NOT NULL,
                from_state TEXT NOT NULL,
                to_state   TEXT NOT NULL,
                trigger_name TEXT NOT NULL,
                reason     TEXT NOT NULL
            ) STRICT;

            CREATE INDEX pair_transition_by_datanode ON pair_transition (datanode, at_ms DESC, id DESC);
            """),
        new(2, "operations and stored pair roles", """
            CREATE TABLE operation (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                kind         TEXT NOT NULL,
                datanode     TEXT NOT NULL,
                state        TEXT NOT NULL,
                requested_at TEXT NOT NULL,
                updated_at   TEXT NOT NULL,
                -- The rest of the operation (actors, plan, steps, result) as one JSON document, rewritten
                -- whole at each step so a reader never sees a half-updated operation.
                document     TEXT NOT NULL
            ) STRICT;

            CREATE INDEX operation_open ON operation (state) WHERE state IN ('Planned', 'AwaitingApproval', 'Running', 'Interrupted');
            CREATE INDEX operation_by_datanode ON operation (datanode, id DESC);

            CREATE TABLE pair_roles (
                datanode TEXT PRIMARY KEY NOT NULL,
                at       TEXT NOT NULL,
                document TEXT NOT NULL
            ) STRICT;
            """),
        new(3, "alert incidents and the monitor's degraded pairs", """
            CREATE TABLE alert_incident (
                incident_key TEXT PRIMARY KEY NOT NULL,
                status       TEXT NOT NULL,
                updated_at   TEXT NOT NULL,
                -- The whole incident (latest alert text, counters, times) as one JSON document.
                document     TEXT NOT NULL
            ) STRICT;

            CREATE INDEX alert_incident_active ON alert_incident (status) WHERE status IN ('Open', 'Resolving');

            CREATE TABLE monitor_degrade (
                datanode   TEXT PRIMARY KEY NOT NULL,
                updated_at TEXT NOT NULL,
                document   TEXT NOT NULL
            ) STRICT;
            """),
        new(4, "compare-and-set columns of operations, and the health probe", """
            -- Every change of an operation is UPDATE ... WHERE id AND state AND plan_version AND revision: the
            -- columns are the truth, the document follows them.
            ALTER TABLE operation ADD COLUMN plan_version TEXT NOT NULL DEFAULT '';
            ALTER TABLE operation ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
            -- While Running: which process runs it, and until when its claim holds (Unix ms).
            ALTER TABLE operation ADD COLUMN runner TEXT;
            ALTER TABLE operation ADD COLUMN lease_until_ms INTEGER;
            UPDATE operation SET plan_version = COALESCE(json_extract(document, '$.nonce'), '');

            -- Written and deleted by the health check after a failed write, to prove the file can grow again.
            CREATE TABLE store_probe (
                id  INTEGER PRIMARY KEY,
                at  TEXT NOT NULL,
                pad BLOB NOT NULL
            ) STRICT;
            """),
        new(5, "the last sighting of each master (the evidence a promote after a restart is judged by)", """
            CREATE TABLE master_sighting (
                datanode   TEXT PRIMARY KEY NOT NULL,
                seen_at    TEXT NOT NULL,
                -- The sighting (time, positions, whether every commit needed the slave, why) as one JSON document.
                document   TEXT NOT NULL
            ) STRICT;
            """),
        new(6, "refused commands (history tells refusals too)", """
            CREATE TABLE IF NOT EXISTS operation_refusal (
                id       INTEGER PRIMARY KEY AUTOINCREMENT,
                at       TEXT NOT NULL,
                datanode TEXT,
                -- Who, the command, why, what to do instead, as one JSON document.
                document TEXT NOT NULL
            ) STRICT;

            CREATE INDEX IF NOT EXISTS operation_refusal_by_datanode ON operation_refusal (datanode, id DESC);
            """),
        new(7, "the chat outbox (what is to be said, until a sender said it) and the messages it posted", """
            -- Written in the transaction of the state change it reports; a sender per target delivers it and sets
            -- done_at. Pending rows are the ones with done_at NULL.
            CREATE TABLE outbox (
                id              INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at      TEXT NOT NULL,
                created_ms      INTEGER NOT NULL,
                target          TEXT NOT NULL,
                kind            TEXT NOT NULL,
                message_key     TEXT,
                -- The chat-neutral message (title, severity, fields, lines, tables, actions) as JSON.
                body            TEXT NOT NULL,
                nonce           TEXT NOT NULL,
                -- The adapter's own address of the answer (e.g. the Discord interaction to edit), as it wrote it.
                address         TEXT,
                final           INTEGER NOT NULL DEFAULT 0,
                mention_on_call INTEGER NOT NULL DEFAULT 0,
                attempts        INTEGER NOT NULL DEFAULT 0,
                next_attempt_ms INTEGER,
                last_error      TEXT,
                done_at         TEXT,
                outcome         TEXT
            ) STRICT;

            CREATE INDEX outbox_pending ON outbox (target, id) WHERE done_at IS NULL;
            CREATE INDEX outbox_by_age ON outbox (created_ms);

            -- What a target made of a message key: the chat's message id and address, and the newest entry
            -- delivered to it (an older one must never overwrite it).
            CREATE TABLE outbox_posted (
                target       TEXT NOT NULL,
                message_key  TEXT NOT NULL,
                external_id  TEXT NOT NULL,
                address      TEXT,
                delivered_id INTEGER NOT NULL,
                updated_ms   INTEGER NOT NULL,
                PRIMARY KEY (target, message_key)
            ) STRICT;
            """),
        new(8, "maintenance windows, silences and incident owners", SqliteMaintenanceStore.Schema),
        new(9, "requests for maintenance windows awaiting a second person's approval", SqliteMaintenanceStore.RequestSchema),
        new(10, "incident history and the monitor's lag samples (for the timeline and the pictures)", SqliteTimelineStore.Schema),
    ];
}
