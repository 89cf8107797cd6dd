using Microsoft.Data.Sqlite;

namespace PgxcBot.Store;

/// <summary>SQLite's answers in words an operator acts on: what it means for the store file, and the fix.</summary>
internal static class SqliteErrors
{
    // Primary result codes (https://www.sqlite.org/rescode.html).
    public const int Busy = 5, Locked = 6, ReadOnly = 8, IoError = 10, Corrupt = 11, Full = 13, CantOpen = 14, NotADatabase = 26;

    /// <summary>"database or disk is full (SQLite error 13): free space on the disk that holds it".</summary>
    public static string Explain(SqliteException e) => e.SqliteErrorCode switch
    {
        Full => $"the database or its disk is full (SQLite error {Full}): free space on the disk that holds it",
        ReadOnly => $"the file is read-only for this process (SQLite error {ReadOnly}): make it and its directory writable for the bot's user",
        Busy or Locked => $"another process held the store's lock for more than {SqliteStore.BusyTimeout.TotalSeconds:0} s (SQLite error {e.SqliteErrorCode}): try again; if it lasts, look for a stuck pgxcbot process",
        IoError => $"the disk reported an I/O error (SQLite error {IoError}, {e.Message}): check the disk and the file system",
        Corrupt or NotADatabase => $"the file is damaged or not a SQLite database (SQLite error {e.SqliteErrorCode}): restore it from a backup",
        CantOpen => $"the file cannot be opened (SQLite error {CantOpen}): check that it and its directory exist and are writable",
        _ => $"SQLite error {e.SqliteErrorCode}: {e.Message}",
    };
}
