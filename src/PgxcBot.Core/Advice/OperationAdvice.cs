using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Advice;

/// <summary>The "Next:" of an operation's final message, from the advice for its pair once it has ended.</summary>
public static class OperationAdvice
{
    /// <summary>
    /// After an operation: the advised steps ("/pgxc rebuild datanode1" after a promote), or "nothing; datanode1
    /// is healthy, in sync". <paramref name="finish"/> is what finishes the operation itself when some of its
    /// steps failed ("/pgxc repoint datanode1"); it comes first unless the advice already says it.
    /// </summary>
    public static string After(PairAssessment? advised, string datanode, string? finish = null)
    {
        var then = advised?.Advice is not { } advice ? null
            : advice.Next is null ? $"nothing; {datanode} is {Describe(advised.Condition)}"
            : advice.Summary;
        if (finish is null) return then ?? $"/pgxc status {datanode}";
        if (then is null || then.Contains(finish, StringComparison.Ordinal)) return then ?? finish;
        return advised?.Advice?.Next is null ? finish : $"{finish}, then {then}";
    }

    private static string Describe(ObservedCondition condition) => condition switch
    {
        ObservedCondition.Sync => "healthy, in sync",
        ObservedCondition.Async => "healthy, asynchronous",
        _ => condition.ToString(),
    };
}
