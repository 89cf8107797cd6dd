namespace PgxcBot.Discord;

/// <summary>Why the adapter stopped for good (e.g. a rejected token), for <c>pgxcbot serve</c> to report and exit non-zero.
/// The gateway, the HTTP endpoint and the outbox channel all report here; the adapter service then stops the host.</summary>
public sealed class DiscordAdapterStatus
{
    private readonly TaskCompletionSource<string> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The cause, once failed; null while the adapter works.</summary>
    public string? Failure => _failed.Task.IsCompleted ? _failed.Task.Result : null;

    /// <summary>Completes with the cause at the first fatal failure.</summary>
    public Task<string> Failed => _failed.Task;

    /// <summary>Records the first fatal failure; later ones are the same story.</summary>
    public void Fail(string reason) => _failed.TrySetResult(reason);
}
