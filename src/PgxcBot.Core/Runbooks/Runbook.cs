using System.Security.Cryptography;
using System.Text;

namespace PgxcBot.Core.Runbooks;

/// <summary>
/// A planned operation: the exact steps, in order, plus what the approver must know. The
/// <see cref="Fingerprint"/> covers every command and statement, so "the plan changed" is a comparison.
/// </summary>
/// <param name="Kind">promote, sync, async, repoint, ...</param>
/// <param name="Warnings">Said in the plan and repeated at approval (e.g. fencing unverified, data loss accepted).</param>
/// <param name="Acknowledgements">Things the approver must explicitly accept (e.g. "fencing-unverified").</param>
public sealed record Runbook(
    string Kind,
    string Datanode,
    string Summary,
    IReadOnlyList<RunbookStep> Steps,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Acknowledgements,
    bool LowersDurability = false)
{
    public string Fingerprint
    {
        get
        {
            var text = new StringBuilder().Append(Kind).Append('\n').Append(Datanode).Append('\n');
            foreach (var step in Steps) text.Append(step.Id).Append('\t').Append(step.Action.Text).Append('\n');
            foreach (var ack in Acknowledgements) text.Append("ack\t").Append(ack).Append('\n');
            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16].ToLowerInvariant();
        }
    }
}

/// <summary>A planner's answer: a runbook, or a refusal that says why and what would make it possible.</summary>
public sealed record PlanResult(Runbook? Runbook, string? Refusal, string? NextStep)
{
    public static PlanResult Planned(Runbook runbook) => new(runbook, null, null);
    public static PlanResult Refused(string why, string nextStep) => new(null, why, nextStep);
    public bool IsRefused => Runbook is null;
}
