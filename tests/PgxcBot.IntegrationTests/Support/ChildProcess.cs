namespace PgxcBot.IntegrationTests.Support;

/// <summary>
/// A child process running this test assembly's entry point (<c>dotnet PgxcBot.IntegrationTests.dll ARGS</c>): a bot
/// replica (<c>pgxcbot serve</c>) or a <see cref="Replicas.ReplicaChild"/>. Its standard output lines are kept for
/// waiting on, and its whole output (stderr too) for the message of a failed test. Disposing it ends it and its
/// children, thawing it first when it was frozen.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _log = [];
    private readonly Lock _gate = new();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data, output: true);
        process.ErrorDataReceived += (_, e) => Keep(e.Data, output: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts this test assembly with <paramref name="arguments"/>; <paramref name="what"/> names it in errors.</summary>
    public static ChildProcess Start(string what, params string[] arguments)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {what}"));
    }

    /// <summary>The lines written to standard output so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return _lines.ToArray();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines of standard output and error, joined with " | ".</summary>
    public string LogTail(int count = 15)
    {
        lock (_gate) return string.Join(" | ", _log.TakeLast(count));
    }

    /// <summary>Polls for the first output line matching <paramref name="match"/>; fails with the output after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout) =>
        (await Poll.UntilAsync(() => Task.FromResult(Lines.FirstOrDefault(match)), l => l is not null, timeout,
            () => $"a line from process {_process.Id} (output: {LogTail(int.MaxValue)})", default))!;

    /// <summary>Writes one line to its standard input.</summary>
    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public void Kill() => _process.Kill();

    public void Signal(int signal) => Assert.True(PosixProcesses.Signal(_process.Id, signal));

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            PosixProcesses.Signal(_process.Id, PosixProcesses.SigCont);
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }

    private void Keep(string? line, bool output)
    {
        if (line is null) return;
        lock (_gate)
        {
            if (output) _lines.Add(line);
            _log.Add(line);
        }
    }
}
