namespace PgxcBot.Hosting;

/// <summary>Whether the registered store can take a write now: null when it can, else why not (for /healthz).</summary>
public sealed record StoreWriteProbe(Func<CancellationToken, Task<string?>> Check);
