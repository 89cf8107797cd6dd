namespace PgxcBot.Core.Runbooks;

public enum StepStatus { Pending, Running, Succeeded, Failed, Skipped }

/// <summary>How a step ended, in a sentence, with an excerpt of what the server said.</summary>
public sealed record StepOutcome(StepStatus Status, string Summary, string? Output, TimeSpan Duration, int AttemptsUsed = 1);
