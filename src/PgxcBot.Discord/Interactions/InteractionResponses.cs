using System.Collections.Concurrent;

namespace PgxcBot.Discord.Interactions;

/// <summary>
/// Which interactions of this process have not had their first answer yet. Discord edits of an interaction's
/// message (<c>@original</c>) only work after that answer, which the dispatcher gives within Discord's 3 seconds;
/// the outbox sender waits for it rather than racing it.
/// </summary>
public sealed class InteractionResponses
{
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);

    /// <summary>The dispatcher starts answering <paramref name="interactionId"/>.</summary>
    public void Expect(string interactionId) => _pending[interactionId] = 0;

    /// <summary>The first answer was sent (or failed: then there is nothing to wait for either).</summary>
    public void Answered(string interactionId) => _pending.TryRemove(interactionId, out _);

    /// <summary>Whether an edit of the interaction's message must still wait. False for interactions this process
    /// does not know (answered before a restart, or by another process).</summary>
    public bool IsPending(string? interactionId) => interactionId is not null && _pending.ContainsKey(interactionId);
}
