using System.Globalization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Pairs;

namespace PgxcBot.Core.Messages;

/// <summary>
/// Turns an assessment into the status message: overall health in the title, one line per datanode pair
/// with its problems and next steps under it, and the datanode × coordinator routing matrix.
/// </summary>
public static class StatusMessageBuilder
{
    public const string MarkWrongTarget = "✗";
    public const string MarkNoRow = "!";
    public const string MarkNoAnswer = "?";

    /// <summary>Builds the message. <paramref name="pairStates"/> (stored states by datanode) are shown
    /// beside the observed condition when given; <paramref name="onlyDatanode"/> limits the message to one pair.</summary>
    public static ChatMessage Build(
        ClusterAssessment assessment,
        IReadOnlyDictionary<string, PairState>? pairStates = null,
        string? onlyDatanode = null)
    {
        // The next steps and what an operation explains come with the assessment (the advice: Advice.ClusterAdvisor).
        var pairs = assessment.Pairs
            .Where(p => onlyDatanode is null || p.Datanode == onlyDatanode)
            .ToList();
        var coordinatorProblems = onlyDatanode is null
            ? assessment.CoordinatorProblems
            : assessment.CoordinatorProblems.Where(p => p.Concerns == onlyDatanode).ToList();
        var problems = assessment.ClusterProblems.Concat(pairs.SelectMany(p => p.Problems)).Concat(coordinatorProblems).ToList();
        var worst = problems.Select(p => p.Severity).DefaultIfEmpty(Severity.Ok).Max();

        var lines = new List<string>();
        foreach (var gtm in assessment.Snapshot.Gtm)
            lines.Add(GtmLine(gtm));
        lines.AddRange(assessment.ClusterProblems.SelectMany(ProblemLines));
        foreach (var pair in pairs)
        {
            lines.Add(PairLine(pair, assessment.Snapshot, pairStates));
            lines.AddRange(pair.Problems.SelectMany(ProblemLines));
            // The pair's one next step, when no problem line says it already (e.g. resume the operation that holds it).
            if (pair.Advice?.Next is { } next && pair.Problems.All(p => p.NextStep != next.Text))
                lines.Add($"    → next: {next.Text}");
        }
        if (coordinatorProblems.Count > 0)
        {
            lines.Add("Coordinators:");
            lines.AddRange(coordinatorProblems.SelectMany(ProblemLines));
        }

        var tables = new List<MessageTable>();
        var matrix = Matrix(assessment, pairs.Select(p => p.Datanode).ToList(), out var legend);
        if (matrix is not null)
        {
            lines.Add($"Coordinator routing (datanode × coordinator){legend}");
            tables.Add(matrix);
        }

        var snapshot = assessment.Snapshot;
        var fields = new List<MessageField>
        {
            new("Checked", snapshot.TakenAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), Inline: true),
            new("Took", Humanize.Duration(snapshot.Elapsed), Inline: true),
            new("Pairs", $"{pairs.Count(p => p.Health <= Severity.Info && p.Condition is ObservedCondition.Sync or ObservedCondition.Async)} of {pairs.Count} healthy", Inline: true),
        };
        var advised = pairs.Where(p => p.Advice is { ExplainsAll: false, Next.Command: not null })
            .Select(p => new Problem("advice", p.Health, p.Datanode, "", p.Advice!.Next!.Text) { Command = p.Advice.Next.Command, ActionLabel = p.Advice.Next.Label, ApprovesKind = p.Advice.Next.ApprovesKind });
        return new ChatMessage(Title(worst, problems, onlyDatanode), worst, fields, lines, tables, Actions(advised.Concat(problems)));
    }

    private static string Title(Severity worst, IReadOnlyList<Problem> problems, string? onlyDatanode)
    {
        var subject = onlyDatanode ?? "Cluster";
        var critical = problems.Count(p => p.Severity == Severity.Critical);
        var warnings = problems.Count(p => p.Severity == Severity.Warning);
        return worst switch
        {
            Severity.Critical => $"{subject}: CRITICAL — {Plural(critical, "critical problem")}{(warnings > 0 ? $", {Plural(warnings, "warning")}" : "")}",
            Severity.Warning => $"{subject}: degraded — {Plural(warnings, "warning")}",
            _ => $"{subject}: healthy",
        };
    }

    private static string PairLine(PairAssessment pair, ClusterSnapshot snapshot, IReadOnlyDictionary<string, PairState>? states)
    {
        var observation = snapshot.Pairs.FirstOrDefault(p => p.Datanode == pair.Datanode);
        var condition = pair.Condition.ToString();
        if (states is not null && states.TryGetValue(pair.Datanode, out var stored))
            condition += $" (stored: {stored})";
        var master = observation is null ? "?" : Endpoint(observation.Master);
        var slave = observation?.Slave is null ? "none" : Endpoint(observation.Slave);
        var blocked = pair.CommitsBlocked ? " — COMMITS BLOCKED" : "";
        var lag = observation?.Slave is null ? "" : pair.StreamingLag is { } streaming ? $" — lag {Lag(streaming)}" : " — not streaming";
        var operation = pair.Advice switch
        {
            { ExplainsAll: true, ExplainedBy: { } op } => $" — operation {op.Id} ({op.Kind}) running: {op.Progress}",
            { ExplainedBy: { } op } => $" — stopped by operation {op.Id} at {Operations.OperationStories.Time(op.At)}",
            _ => "",
        };
        return $"{SeverityText.Marker(pair.Health)} {pair.Datanode}: {condition} — master {master}, slave {slave}{lag}{blocked}{operation}";
    }

    private static string GtmLine(GtmObservation gtm)
    {
        var what = gtm.IsProxy ? $"GTM proxy {gtm.Name}" : "GTM";
        return gtm.Answered
            ? $"{SeverityText.Marker(Severity.Ok)} {what} {gtm.Endpoint}: answers ({Humanize.Duration(gtm.Elapsed)}, checked {gtm.CheckedAt:HH:mm:ss} UTC)"
            : $"{SeverityText.Marker(gtm.IsProxy ? Severity.Warning : Severity.Critical)} {what} {gtm.Endpoint}: does not answer ({gtm.Status})";
    }

    private static string Endpoint(ServerProbe probe)
    {
        var where = $"{probe.Location.HostName}:{probe.Location.Port}";
        return probe.Status == ProbeStatus.Ok ? where : $"{where} ({probe.Status.ToString().ToLowerInvariant()})";
    }

    private static string Lag(ReplicationLag? lag)
    {
        if (lag is null || (lag.Bytes is null && lag.Time is null)) return "unknown";
        var parts = new List<string>();
        if (lag.Bytes is { } bytes) parts.Add(Humanize.Bytes(bytes));
        if (lag.Time is { } time) parts.Add(Humanize.Duration(time));
        return string.Join(" / ", parts);
    }

    private static IEnumerable<string> ProblemLines(Problem problem)
    {
        yield return $"    {SeverityText.Marker(problem.Severity)} {problem.Sentence}";
        if (!string.IsNullOrWhiteSpace(problem.NextStep))
            yield return $"      → next: {problem.NextStep}";
    }

    private static MessageTable? Matrix(ClusterAssessment assessment, IReadOnlyList<string> datanodes, out string legend)
    {
        legend = "";
        var coordinators = assessment.Snapshot.Coordinators.Select(c => c.Coordinator)
            .Concat(assessment.CoordinatorViews.Select(v => v.Coordinator))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (coordinators.Count == 0 || datanodes.Count == 0) return null;

        var answered = assessment.Snapshot.Coordinators.ToDictionary(c => c.Coordinator, c => c.Answered, StringComparer.Ordinal);
        // Not contacted (the bot's own password unavailable) is no answer, but says nothing about the coordinator.
        var notContacted = assessment.Snapshot.Coordinators.Where(c => c.Status == Observation.ProbeStatus.NotAttempted)
            .Select(c => c.Coordinator).ToHashSet(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var header = new List<string> { "datanode" };
        header.AddRange(coordinators.Select(c => answered.GetValueOrDefault(c, true) ? c : $"{c} {MarkNoAnswer}"));

        var rows = new List<IReadOnlyList<string>>();
        foreach (var datanode in datanodes)
        {
            var row = new List<string> { datanode };
            foreach (var coordinator in coordinators)
            {
                var view = assessment.CoordinatorViews.FirstOrDefault(v => v.Coordinator == coordinator && v.Datanode == datanode);
                string cell;
                if (notContacted.Contains(coordinator)) cell = Mark(MarkNoAnswer, "not contacted");
                else if (!answered.GetValueOrDefault(coordinator, true)) cell = Mark(MarkNoAnswer, "unreachable");
                else if (view?.PointsAt is null) cell = Mark(MarkNoRow, "no row");
                else if (!view.Matches) cell = Mark(MarkWrongTarget, view.PointsAt);
                else cell = view.PointsAt;
                row.Add(cell);
            }
            rows.Add(row);
        }

        var explained = new List<string>();
        if (used.Contains(MarkWrongTarget)) explained.Add($"{MarkWrongTarget} routes to a server that is not the current master");
        if (used.Contains(MarkNoRow)) explained.Add($"{MarkNoRow} no pgxc_node row for the datanode");
        if (used.Contains(MarkNoAnswer)) explained.Add(notContacted.Count > 0 ? $"{MarkNoAnswer} coordinator not contacted or did not answer" : $"{MarkNoAnswer} coordinator did not answer");
        if (explained.Count > 0) legend = " — " + string.Join("; ", explained);
        return new MessageTable(header, rows);

        string Mark(string mark, string text)
        {
            used.Add(mark);
            return $"{mark} {text}";
        }
    }

    /// <summary>The advised commands as buttons, worst problem first, with the advice's labels ("Promote
    /// (accept data loss)"). Nothing for what a running operation explains (its next step is to wait).</summary>
    private static IReadOnlyList<ChatAction> Actions(IEnumerable<Problem> problems) =>
        problems
            .OrderByDescending(p => p.Severity)
            .Select(p => (Command: (p.Command ?? p.NextStep).Trim(), p.ActionLabel, p.ApprovesKind))
            .Where(step => step.Command.StartsWith(CommandCatalogue.Prefix + " ", StringComparison.Ordinal) && !step.Command.StartsWith(CommandCatalogue.Prefix + " status", StringComparison.Ordinal))
            .DistinctBy(step => step.Command, StringComparer.Ordinal)
            .Take(5) // a Discord action row holds five buttons
            .Select(step => new ChatAction(step.ActionLabel ?? step.Command[(CommandCatalogue.Prefix.Length + 1)..], step.Command,
                OperationKinds.ButtonStyleFor(step.Command, step.ApprovesKind, otherwise: ActionStyle.Primary)))
            .ToList();

    private static string Plural(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";
}
