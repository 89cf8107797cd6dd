namespace PgxcBot.Cli;

/// <summary>The streams a CLI run uses, so tests run it in-process with StringReader/StringWriter.
/// Out carries the command's result only (clean for --json); logs and errors go to Error.</summary>
public sealed record CliIo(TextReader In, TextWriter Out, TextWriter Error, bool InputRedirected)
{
    /// <summary>Reads the environment variables the configuration refers to (secrets); tests give their own.</summary>
    public Func<string, string?> Variables { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The process's console; writes to a terminal that was closed are dropped (see <see cref="ForgivingWriter"/>).</summary>
    public static CliIo FromConsole() =>
        new(Console.In, new ForgivingWriter(Console.Out), new ForgivingWriter(Console.Error), Console.IsInputRedirected);

    /// <summary>The next line, or null at the end of input (or when the terminal is gone). Read on a pool
    /// thread: Console.In reads synchronously and would not see <paramref name="cancellationToken"/>;
    /// cancellation leaves the read behind (it ends with the process) and throws.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var read = Task.Run(() =>
        {
            try { return In.ReadLine(); }
            catch (IOException) { return null; }
        }, CancellationToken.None);
        return await read.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
