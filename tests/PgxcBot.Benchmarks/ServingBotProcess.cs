namespace PgxcBot.Benchmarks;

/// <summary>
/// <c>pgxcbot serve --config FILE</c> in a process of its own, as an operator runs it: the <c>pgxcbot.dll</c> beside
/// this benchmark's own, started with <c>dotnet</c>, or the published executable <see cref="NativeVariable"/> names
/// (the ahead-of-time compiled bot as deployed: README, Deploy). Its output is drained all along (a full pipe would stall the bot)
/// and its last 20 lines kept to explain an early exit. Disposing kills it (and waits for it).
/// </summary>
internal sealed class ServingBotProcess : IAsyncDisposable
{
    /// <summary>The environment variable naming a published <c>pgxcbot</c> executable to run instead of the dll
    /// (for example <c>PGXCBOT_BENCH_BOT=/tmp/pgxcbot-aot/pgxcbot</c>).</summary>
    public const string NativeVariable = "PGXCBOT_BENCH_BOT";

    private readonly Queue<string> _tail = new();

    /// <summary>How the measured bot runs, for the figures: <c>dotnet pgxcbot.dll</c> or the executable named.</summary>
    public static string Describe() => Native() is { } path ? $"native {path}" : "dotnet pgxcbot.dll";

    private static string? Native() => Environment.GetEnvironmentVariable(NativeVariable) is { Length: > 0 } path ? path : null;

    private ServingBotProcess(Process process) => Process = process;

    /// <summary>The bot's process (its CPU time and resident set are read from outside).</summary>
    public Process Process { get; }

    /// <summary>Starts the bot on <paramref name="config"/> with <paramref name="environment"/> added to its own.</summary>
    /// <exception cref="InvalidOperationException">The process could not be started.</exception>
    public static ServingBotProcess Start(string config, IReadOnlyDictionary<string, string> environment)
    {
        var start = StartInfo("serve", "--config", config);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var bot = new ServingBotProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}"));
        bot.Process.OutputDataReceived += (_, e) => bot.Keep(e.Data);
        bot.Process.ErrorDataReceived += (_, e) => bot.Keep(e.Data);
        bot.Process.BeginOutputReadLine();
        bot.Process.BeginErrorReadLine();
        return bot;
    }

    /// <summary><c>dotnet pgxcbot.dll ARGUMENTS</c> (the dll beside this benchmark's own), or the executable
    /// <see cref="NativeVariable"/> names with ARGUMENTS; output and errors redirected.</summary>
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var native = Native();
        var start = new ProcessStartInfo(native ?? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (native is null) start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pgxcbot.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return start;
    }

    /// <summary>Throws when the bot has exited.</summary>
    /// <param name="during">What the benchmark was doing, for the message.</param>
    /// <exception cref="InvalidOperationException">The bot exited; the message ends with its last output lines.</exception>
    public void EnsureAlive(string during)
    {
        if (!Process.HasExited) return;
        string lines;
        lock (_tail) lines = string.Join(Environment.NewLine, _tail);
        throw new InvalidOperationException($"pgxcbot serve exited with code {Process.ExitCode} during {during}:{Environment.NewLine}{lines}");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 20) _tail.Dequeue();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync(CancellationToken.None);
        }
        Process.Dispose();
    }
}
