namespace PgxcBot.Core.Operations;

public sealed partial class OperationService
{
    /// <summary>
    /// What a replica that just became active does with the operations the previous active replica was running
    /// (issue 16): each is marked Interrupted at once, without waiting for its runner's claim to lapse, then resumed
    /// as <paramref name="takeover"/> by the existing step-by-step resume (each remaining step asks the servers
    /// first; a step that was running, may not be re-run and cannot be checked is refused as always).
    /// <para>
    /// Why at once: the shared store fences every write with the lease epoch (see the PostgreSQL store's lease), so
    /// a runner of an earlier epoch can record nothing any more, and a runbook stops at its first unrecorded step. A
    /// half-done promote (fenced master, slave not yet promoted) leaves no writable master; the persons who approved
    /// it asked for the whole runbook, so the new leader finishes it rather than waiting for someone to type resume.
    /// </para>
    /// <para>Call only while holding the lease (a single-process bot's start-up uses <see cref="RecoverAsync"/>: a
    /// restart of the only process is reported and resumed by a person).</para>
    /// </summary>
    /// <returns>Per operation taken over, the resume's reply (refusals included: the Interrupted announcement
    /// already told chat how to resume by hand).</returns>
    /// <exception cref="StoreUnavailableException">The store cannot be read or written (the lease may be lost).</exception>
    public async Task<IReadOnlyList<OperationReply>> TakeOverAsync(Actor takeover, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(takeover);
        var replies = new List<OperationReply>();
        var marked = await InterruptAsync(cur => cur.Runner != _runs.RunnerId || _runs.IsAbandoned(cur, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        foreach (var operation in marked)
        {
            var topology = await topologyState.CurrentAsync(cancellationToken).ConfigureAwait(false);
            replies.Add(await ClaimAndRunAsync(operation.Id, (cur, work, ct) => DecideResumeAsync(cur, takeover, work, ct, takeover: true), topology, null,
                $"the takeover's resume of operation {operation.Id}", cancellationToken).ConfigureAwait(false));
        }
        return replies;
    }
}
