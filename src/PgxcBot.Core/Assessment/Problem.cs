namespace PgxcBot.Core.Assessment;

public enum Severity { Ok = 0, Info = 1, Warning = 2, Critical = 3 }

/// <summary>
/// One thing wrong, said for a person at 3 a.m.: what happened and what it means (<see cref="Sentence"/>),
/// and what to do next (<see cref="NextStep"/>, usually a chat command).
/// </summary>
/// <param name="Code">Stable machine name (slave-not-streaming, commits-blocked, ...); alerts dedupe on it.</param>
/// <param name="Subject">The datanode or coordinator concerned.</param>
public sealed record Problem(string Code, Severity Severity, string Subject, string Sentence, string NextStep)
{
    /// <summary>The datanode the problem is about when <see cref="Subject"/> is something else (a coordinator
    /// that routes datanode1 wrongly is about datanode1): an operation on that datanode explains it.</summary>
    public string? About { get; init; }

    /// <summary>The bot command a button runs for <see cref="NextStep"/> (e.g. "/pgxc promote datanode1
    /// --accept-data-loss"); null when the next step is something a person does by hand.</summary>
    public string? Command { get; init; }

    /// <summary>The button's label for <see cref="Command"/> ("Promote (accept data loss)").</summary>
    public string? ActionLabel { get; init; }

    /// <summary>The operation kind <see cref="Command"/> approves when it does not name it (<c>/pgxc approve 3</c>): its
    /// button takes that kind's colour (<see cref="Operations.OperationKinds.ButtonStyleFor"/>).</summary>
    public string? ApprovesKind { get; init; }

    /// <summary>The operation that explains this problem (running now, or a completed stop): it is shown as
    /// part of that operation, never raised as an incident.</summary>
    public long? ExplainedBy { get; init; }

    /// <summary>The datanode this problem concerns: <see cref="About"/>, else <see cref="Subject"/>.</summary>
    public string Concerns => About ?? Subject;
}
