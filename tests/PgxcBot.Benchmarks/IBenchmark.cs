namespace PgxcBot.Benchmarks;

/// <summary>One benchmark, run as a sub-command (<c>-- status ...</c>). Later ones (repoint time, commit
/// stall) are further implementations registered in Program.cs, one file each.</summary>
internal interface IBenchmark
{
    /// <summary>The sub-command name.</summary>
    string Name { get; }

    /// <summary>One line for the usage text, with the options.</summary>
    string Description { get; }

    /// <summary>Runs with the arguments after the sub-command; writes the Markdown result to
    /// <paramref name="output"/> and progress to <paramref name="progress"/>. Returns the exit code.
    /// Throws <see cref="BenchmarkArgumentException"/> for bad options.</summary>
    Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, TextWriter progress, CancellationToken cancellationToken);
}

/// <summary>A bad command-line option; the message names it and the fix.</summary>
internal sealed class BenchmarkArgumentException(string message) : Exception(message);
