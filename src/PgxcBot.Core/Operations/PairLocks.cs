using System.Collections.Concurrent;

namespace PgxcBot.Core.Operations;

/// <summary>
/// One operation per pair at a time, across every <see cref="OperationService"/> of the process (the chat's
/// and the monitor's): a per-datanode gate shared by all of them.
/// </summary>
public sealed class PairLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public SemaphoreSlim For(string datanode) => _gates.GetOrAdd(datanode, _ => new SemaphoreSlim(1, 1));
}
