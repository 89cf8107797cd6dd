using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;

namespace PgxcBot.Core.Monitoring;

/// <summary>
/// Which problems of an assessment are alerts, grouped into incidents: every problem of severity
/// Warning or worse becomes one candidate per subject and kind; related codes share a kind (a slave
/// that is down and one that is frozen are both "slave-lost"), so a change of symptom is not a new
/// incident. Info problems (asynchronous replication, a slave the bot cannot query) never alert.
/// </summary>
public static class AlertRules
{
    public static IReadOnlyList<AlertCandidate> From(ClusterAssessment assessment)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        return assessment.AllProblems
            .Where(p => p.Severity >= Severity.Warning)
            .GroupBy(p => (p.Subject, Kind: KindOf(p.Code)))
            .Select(g => Candidate(g.Key.Subject, g.Key.Kind, g.ToArray()))
            .ToArray();
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
        _ => code,
    };

    private static AlertCandidate Candidate(string subject, string kind, Problem[] problems)
    {
        var severity = problems.Max(p => p.Severity);
        var next = problems.OrderByDescending(p => p.Severity).First().NextStep;
        return new AlertCandidate(subject, kind, severity, Title(subject, kind),
            problems.Select(p => p.Sentence).Distinct().ToArray(), next, Actions(kind, next));
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
        ProblemCodes.CredentialsUnavailable => $"{subject}: the bot cannot authenticate (not observed)",
        _ => $"{subject}: {kind}",
    };

    /// <summary>The button for the next step when it is a bot command. Promote is red: it starts the
    /// approval flow of a failover, which cannot be undone.</summary>
    private static IReadOnlyList<ChatAction> Actions(string kind, string nextStep)
    {
        var at = nextStep.IndexOf("/pgxc ", StringComparison.Ordinal);
        if (at < 0) return [];
        var command = nextStep[at..].Split([',', ';', '(', ')'], 2)[0].Trim();
        var verb = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
        if (verb is null or "status") return [];
        var label = char.ToUpperInvariant(verb[0]) + verb[1..];
        var style = verb == "promote" ? ActionStyle.Danger : kind == AlertKinds.CommitsBlocked ? ActionStyle.Primary : ActionStyle.Secondary;
        return [new ChatAction(label, command, style)];
    }
}
