namespace PgxcBot.Core.Advice;

/// <summary>The "Next:" of a refused request, in agreement with the advice for its pair.</summary>
public static class RefusalAdvice
{
    /// <summary>
    /// <paramref name="plannerNext"/> when it already names the advised command, or when the advice is to do what
    /// was asked (<paramref name="kind"/>: the request was refused for a reason of its own, and the planner
    /// knows what fixes it), or when the planner's next step is the same request with a change (an add-slave into
    /// a non-empty directory gets "/pgxc add-slave datanode1 --move-aside", whatever the pair's advice), or when the
    /// pair needs nothing; otherwise the advice: the pair needs something else first (a sync asked for after a
    /// promote gets "/pgxc rebuild datanode1").
    /// </summary>
    public static string? Next(string kind, string? plannerNext, PairAdvice? advice)
    {
        if (advice?.Next is not { } next) return plannerNext;
        if (plannerNext is not null && plannerNext.Contains($"/pgxc {kind} ", StringComparison.Ordinal)) return plannerNext;
        if (next.Verb == kind) return plannerNext ?? next.Text;
        if (plannerNext is not null && next.Command is { } command && plannerNext.Contains(command, StringComparison.Ordinal)) return plannerNext;
        return advice.Summary;
    }
}
