namespace PgxcBot.Lab.Pairs;

/// <summary>Several lab pairs built together; disposing the set disposes every pair concurrently.</summary>
public sealed class LabPairSet(IReadOnlyList<LabPair> pairs) : IAsyncDisposable
{
    public IReadOnlyList<LabPair> Pairs { get; } = pairs;

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(Pairs.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
}
