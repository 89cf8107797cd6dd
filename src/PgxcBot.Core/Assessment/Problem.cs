namespace PgxcBot.Core.Assessment;

public enum Severity { Ok = 0, Info = 1, Warning = 2, Critical = 3 }

/// <summary>
/// One thing wrong, said for a person at 3 a.m.: what happened and what it means (<see cref="Sentence"/>),
/// and what to do next (<see cref="NextStep"/>, usually a chat command).
/// </summary>
/// <param name="Code">Stable machine name (slave-not-streaming, commits-blocked, ...); alerts dedupe on it.</param>
/// <param name="Subject">The datanode or coordinator concerned.</param>
public sealed record Problem(string Code, Severity Severity, string Subject, string Sentence, string NextStep);
