namespace PgxcBot.Store;

/// <summary>
/// The store could not be opened. The message names the file and the fix. <see cref="CanNeverWork"/> says
/// whether the path itself is the problem (a directory, a missing directory, a read-only or damaged file, a
/// schema from a newer bot: nothing changes until someone fixes it; the CLI exits 2) or the failure may pass
/// (disk full, locked, I/O error: exit 3).
/// </summary>
public sealed class StoreOpenException : Exception
{
    public StoreOpenException() : this("the store could not be opened", false) { }
    public StoreOpenException(string message) : this(message, false) { }
    public StoreOpenException(string message, Exception innerException) : this(message, false, innerException) { }

    public StoreOpenException(string message, bool canNeverWork, Exception? innerException = null) : base(message, innerException)
    {
        CanNeverWork = canNeverWork;
    }

    /// <summary>True when the configured path can never work as it is (exit 2); false for the unexpected (exit 3).</summary>
    public bool CanNeverWork { get; }
}
