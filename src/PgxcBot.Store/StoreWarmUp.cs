namespace PgxcBot.Store;

/// <summary>Work of the stores done once, ahead of need, so that the first incident after a start does not wait for
/// it (the serving bot runs it in the background as it starts).</summary>
public static class StoreWarmUp
{
    /// <summary>Prepares the JSON serializer for every document the stores keep (metadata and shared code; pure CPU, no
    /// I/O, about 100 ms on the 2-core lab host). Thread-safe; later calls cost little.</summary>
    /// <returns>The types prepared: every stored document type and every type they hold.</returns>
    public static IReadOnlyCollection<Type> PrepareDocuments() => RunbookJson.WarmUp();
}
