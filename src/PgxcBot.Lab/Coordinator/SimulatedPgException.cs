namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// An error the simulator sends to the client as an ErrorResponse, worded like the server it imitates
/// (SQLSTATE, message, optional hint). <see cref="Severity"/> FATAL closes the session after sending.
/// </summary>
public sealed class SimulatedPgException(string sqlState, string message, string? hint = null, string severity = "ERROR")
    : Exception(message)
{
    /// <summary>Five-character SQLSTATE, e.g. <c>42704</c>.</summary>
    public string SqlState { get; } = sqlState;

    /// <summary>The HINT field, or null.</summary>
    public string? Hint { get; } = hint;

    /// <summary>ERROR or FATAL.</summary>
    public string Severity { get; } = severity;

    internal static SimulatedPgException Syntax(string nearToken) =>
        new("42601", $"syntax error at or near \"{nearToken}\"");

    internal static SimulatedPgException SyntaxAtEnd() => new("42601", "syntax error at end of input");

    internal static SimulatedPgException NotSupported(string what) =>
        new("0A000", $"{what} is not supported by the Postgres-XC coordinator simulator");
}

/// <summary>An error to inject (see <see cref="CoordinatorSimulator.FailAlterNode"/>).</summary>
/// <param name="SqlState">SQLSTATE sent to the client.</param>
/// <param name="Message">Primary message sent to the client.</param>
/// <param name="Hint">Optional HINT.</param>
public sealed record SimulatedError(string SqlState, string Message, string? Hint = null)
{
    internal SimulatedPgException ToException() => new(SqlState, Message, Hint);
}
