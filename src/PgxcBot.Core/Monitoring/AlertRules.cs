using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;

namespace PgxcBot.Core.Monitoring;

/// <summary>
/// Which problems of an assessment are alerts, grouped into incidents: every problem of severity
/// Warning or worse becomes one candidate per subject and kind; related codes share a kind (a slave
/// that is down and one that is frozen are both "slave-lost"), so a change of symptom is not a new
/// incident. Info problems (asynchronous replication, a slave the bot cannot query) never alert.
/// </summary>
public static class AlertRules
{
    /// <remarks>Problems an operation explains (<see cref="Problem.ExplainedBy"/>: running now, or a completed
    /// stop) are never candidates: they are shown as part of that operation (see <see cref="Held"/>).</remarks>
    public static IReadOnlyList<AlertCandidate> From(ClusterAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return assessment.AllProblems
            .Where(p => p.Severity >= Severity.Warning && p.ExplainedBy is null)
            .GroupBy(p => (p.Subject, Kind: KindOf(p.Code)))
            .Select(g => Candidate(g.Key.Subject, g.Key.Kind, g.ToArray()))
            .ToArray();
    }

    /// <summary>
    /// The incident keys of problems an operation explains this poll: an incident already open under such a key
    /// stays as it is (no reminder, no all-clear, no "back again") until the operation no longer explains it;
    /// none is opened for it. So the bot never pages for what it is doing itself, and an incident open before
    /// the operation still gets its one all-clear when the operation has fixed it.
    /// </summary>
    public static IReadOnlySet<string> Held(ClusterAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        // While an operation runs on a pair, every incident of the pair waits for its end ("datanode1/*"),
        // whatever the servers show from one poll to the next.
        return assessment.AllProblems.Where(p => p.ExplainedBy is not null)
            .Select(p => $"{p.Subject}/{KindOf(p.Code)}")
            .Concat(assessment.Pairs.Where(p => p.Advice?.ExplainsAll == true).Select(p => $"{p.Datanode}/{AnyKind}"))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>In <see cref="Held"/>: every kind of the subject before the slash.</summary>
    public const string AnyKind = "*";

    /// <summary>Whether <paramref name="held"/> holds the incident <paramref name="key"/> (exactly, or every kind of its subject).</summary>
    public static bool Holds(IReadOnlySet<string> held, string key)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(key);
        if (held.Contains(key)) return true;
        var slash = key.LastIndexOf('/');
        return slash > 0 && held.Contains(key[..slash] + "/" + AnyKind);
    }

    /// <summary>The incident kind of a problem code.</summary>
    public static string KindOf(string code) => code switch
    {
        ProblemCodes.SlaveNotStreaming or ProblemCodes.SlaveFrozen => AlertKinds.SlaveLost,
        ProblemCodes.CommitsBlocked => AlertKinds.CommitsBlocked,
        ProblemCodes.LagWarning or ProblemCodes.LagCritical => AlertKinds.Lag,
        ProblemCodes.MasterUnreachable => AlertKinds.MasterLost,
        ProblemCodes.SplitBrain => AlertKinds.SplitBrain,
        ProblemCodes.NoMaster => AlertKinds.NoMaster,
        ProblemCodes.CoordinatorUnreachable => AlertKinds.CoordinatorUnreachable,
        ProblemCodes.CoordinatorWrongTarget or ProblemCodes.CoordinatorMissingNode => AlertKinds.CoordinatorRoute,
        ProblemCodes.WalSlotRetaining or ProblemCodes.WalArchivingFailing or ProblemCodes.WalRetained or ProblemCodes.WatchUnreadable => AlertKinds.WalRetention,
        ProblemCodes.PreparedTransactionStuck => AlertKinds.PreparedTransactions,
        _ => code,
    };

    private static AlertCandidate Candidate(string subject, string kind, Problem[] problems)
    {
        var severity = problems.Max(p => p.Severity);
        var top = problems.OrderByDescending(p => p.Severity).First();
        return new AlertCandidate(subject, kind, severity, Title(subject, kind),
            problems.Select(p => p.Sentence).Distinct().ToArray(), top.NextStep, Actions(kind, top));
    }

    /// <summary>A short headline: what, where.</summary>
    public static string Title(string subject, string kind) => kind switch
    {
        AlertKinds.SlaveLost => $"{subject}: slave lost",
        AlertKinds.CommitsBlocked => $"{subject}: commits are blocked",
        AlertKinds.Lag => $"{subject}: replication lag",
        AlertKinds.MasterLost => $"{subject}: master lost",
        AlertKinds.SplitBrain => $"{subject}: SPLIT BRAIN",
        AlertKinds.NoMaster => $"{subject}: no writable master",
        AlertKinds.CoordinatorUnreachable => $"coordinator {subject} unreachable",
        AlertKinds.CoordinatorRoute => $"coordinator {subject} routes to the wrong server",
        AlertKinds.SshLost => $"SSH to {subject} lost",
        AlertKinds.WalRetention => $"{subject}: WAL piling up on the master",
        AlertKinds.PreparedTransactions => $"{subject}: prepared transactions in doubt",
        ProblemCodes.CredentialsUnavailable => $"{subject}: the bot cannot authenticate (not observed)",
        _ => $"{subject}: {kind}",
    };

    /// <summary>The button for the next step when it is a bot command: the advice's command and label when it
    /// gave one (a promote that loses data says so on the button). An operation's button has its kind's one colour
    /// (<see cref="OperationKind.ButtonStyle"/>: red for a promote, a rebuild, ...); other commands are grey.</summary>
    private static IReadOnlyList<ChatAction> Actions(string kind, Problem top)
    {
        if (top.Command is { } given)
        {
            var givenVerb = given.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
            return givenVerb is null or "status" ? [] : [new ChatAction(top.ActionLabel ?? givenVerb, given, StyleOf(kind, top.ApprovesKind ?? givenVerb))];
        }
        var nextStep = top.NextStep;
        var at = nextStep.IndexOf("/pgxc ", StringComparison.Ordinal);
        if (at < 0) return [];
        var command = nextStep[at..].Split([',', ';', '(', ')'], 2)[0].Trim();
        var verb = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
        if (verb is null or "status") return [];
        var label = char.ToUpperInvariant(verb[0]) + verb[1..];
        return [new ChatAction(label, command, StyleOf(kind, verb))];
    }

    private static ActionStyle StyleOf(string kind, string verb) =>
        OperationKinds.Find(verb)?.ButtonStyle ?? (kind == AlertKinds.CommitsBlocked ? ActionStyle.Primary : ActionStyle.Secondary);
}
