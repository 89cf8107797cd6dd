using PgxcBot.Core.Operations;

namespace PgxcBot.Tests.Support;

/// <summary>Shortcuts for tests that set up stored operations directly.</summary>
internal static class OperationStoreShortcuts
{
    /// <summary>Stores a new operation in its own unit of work.</summary>
    public static async Task<Operation> CreateAsync(this IOperationStore store, Operation operation, CancellationToken cancellationToken)
    {
        await using var work = await store.BeginAsync(cancellationToken);
        var created = await work.InsertAsync(operation, cancellationToken);
        await work.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>One compare-and-set in its own unit of work; null when it lost.</summary>
    public static async Task<Operation?> ReplaceAsync(this IOperationStore store, Operation expected, Operation next, CancellationToken cancellationToken)
    {
        await using var work = await store.BeginAsync(cancellationToken);
        var written = await work.TryReplaceAsync(expected, next, cancellationToken);
        await work.CommitAsync(cancellationToken);
        return written;
    }
}
