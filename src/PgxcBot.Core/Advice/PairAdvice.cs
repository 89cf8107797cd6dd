namespace PgxcBot.Core.Advice;

/// <summary>One next step: the words after "next:", and the bot command a button runs when there is one.</summary>
/// <param name="Text">What to do ("/pgxc rebuild datanode1", or "Check node02 (load, disk, network), then /pgxc status").</param>
/// <param name="Command">The /pgxc command for a button; null when a person must act by hand.</param>
/// <param name="Label">The button's label ("Promote (accept data loss)"); null without a command.</param>
public sealed record NextStep(string Text, string? Command = null, string? Label = null)
{
    /// <summary>A bot command that is also the whole text.</summary>
    public static NextStep Run(string command, string label) => new(command, command, label);

    /// <summary>Something a person does by hand.</summary>
    public static NextStep Manual(string text) => new(text);

    /// <summary>The command's verb ("promote" for "/pgxc promote datanode1 --accept-data-loss"), or null.</summary>
    public string? Verb => Command?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);

    /// <summary>The operation kind the button approves when <see cref="Command"/> does not name it (<c>/pgxc approve 3</c>
    /// of a rebuild awaiting approval): the button takes that kind's colour. Null otherwise.</summary>
    public string? ApprovesKind { get; init; }
}

/// <summary>
/// What the bot advises for one pair (<see cref="PairAdvisor.Advise"/>): the one next step, the step after it,
/// the step for the pair's condition and for blocked commits, why, and the operation that explains what the
/// servers show. Status, alerts, refusals, help and the final message of an operation all say these words.
/// </summary>
/// <param name="Next">The first thing to do for the pair; null when it needs nothing.</param>
/// <param name="Then">What comes after <paramref name="Next"/>, when that is not the end of it.</param>
/// <param name="ForCondition">The step for the pair's condition problem (slave lost, master lost, ...).</param>
/// <param name="ForBlockedCommits">The step that releases blocked commits (async), when commits are blocked.</param>
/// <param name="Note">A sentence added to the condition problem when the bot's records change its meaning
/// ("It is the old master, fenced by operation 4 ..."); null when the evidence says it all.</param>
/// <param name="ExplainedBy">The operation that explains the pair's problems (running, or a completed stop).</param>
/// <param name="Explanation">How <paramref name="ExplainedBy"/> explains them: a prefix for every problem of the pair
/// while it runs (<paramref name="ExplainsAll"/>), or the sentence that replaces "no writable master" after a stop.</param>
/// <param name="ExplainsAll">The operation is running: every problem of the pair (and coordinator problems about
/// it) is part of it.</param>
public sealed record PairAdvice(
    string Datanode,
    NextStep? Next,
    NextStep? Then,
    NextStep? ForCondition,
    NextStep? ForBlockedCommits,
    string? Note,
    OperationNote? ExplainedBy,
    string? Explanation,
    bool ExplainsAll = false)
{
    /// <summary>Prepared transactions on the pair's master that a promote left in doubt (prepared before it,
    /// through the old master): said as a problem of their own when the age threshold has not caught them yet.</summary>
    public IReadOnlyList<Observation.PreparedTransaction> InDoubtAfterPromote { get; init; } = [];

    /// <summary>"/pgxc repoint datanode1, then /pgxc rebuild datanode1", or "nothing to do".</summary>
    public string Summary => Next is null ? "nothing to do" : Then is null ? Next.Text : $"{Next.Text}, then {Then.Text}";
}
