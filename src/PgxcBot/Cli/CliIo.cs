namespace PgxcBot.Cli;

/// <summary>The streams a CLI run uses, so tests run it in-process with StringReader/StringWriter.
/// Out carries the command's result only (clean for --json); logs and errors go to Error.</summary>
public sealed record CliIo(TextReader In, TextWriter Out, TextWriter Error, bool InputRedirected)
{
    /// <summary>Reads the environment variables the configuration refers to (secrets); tests give their own.</summary>
    public Func<string, string?> Variables { get; init; } = Environment.GetEnvironmentVariable;

    public static CliIo FromConsole() => new(Console.In, Console.Out, Console.Error, Console.IsInputRedirected);
}
