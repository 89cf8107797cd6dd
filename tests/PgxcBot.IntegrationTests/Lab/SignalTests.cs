using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using PgxcBot.Cli;

namespace PgxcBot.IntegrationTests.Lab;

/// <summary>
/// The console and the lab as a child process, ended the ways a terminal ends them: Ctrl+C (SIGINT), SIGTERM
/// (systemd, kill) and a closed terminal (SIGHUP). Each must end cleanly (exit 130, no exception), and a lab
/// must leave no server running and no folder behind. A second lab in a used folder is refused with the
/// command that frees it.
/// </summary>
public sealed class SignalTests : IDisposable
{
    private const int SigHup = 1, SigInt = 2, SigTerm = 15;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "pgxcbot-signal-" + Guid.NewGuid().ToString("N")[..8]);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>pgxcbot as a child process with a piped stdin (kept open: it waits for input) and its output collected.</summary>
    private sealed class Child : IDisposable
    {
        private readonly StringBuilder _out = new(), _err = new();
        public Process Process { get; }

        public Child(params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
            foreach (var a in arguments) start.ArgumentList.Add(a);
            start.Environment["DOTNET_NOLOGO"] = "1";
            Process = Process.Start(start)!;
            Process.OutputDataReceived += (_, e) => { lock (_out) _out.AppendLine(e.Data); };
            Process.ErrorDataReceived += (_, e) => { lock (_err) _err.AppendLine(e.Data); };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public string Out { get { lock (_out) return _out.ToString(); } }
        public string Error { get { lock (_err) return _err.ToString(); } }

        public Task<string> WaitForAsync(Func<Child, string> stream, string text, CancellationToken cancellationToken) =>
            Poll.UntilAsync(() => Task.FromResult(stream(this)), s => s.Contains(text, StringComparison.Ordinal) || Process.HasExited,
                Deadline, $"'{text}' from pgxcbot", cancellationToken);

        public async Task<int> ExitCodeAsync(CancellationToken cancellationToken)
        {
            await Process.WaitForExitAsync(cancellationToken);
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    /// <summary>Processes whose command line mentions <paramref name="folder"/> (the lab's PostgreSQL servers).</summary>
    private static List<int> ProcessesUsing(string folder)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(folder, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    private async Task<Child> StartLabAsync(CancellationToken cancellationToken)
    {
        var lab = new Child("lab", "--folder", _folder);
        var error = await lab.WaitForAsync(c => c.Error, "ready. You are alice", cancellationToken);
        Assert.True(error.Contains("ready. You are alice", StringComparison.Ordinal), error);
        Assert.NotEmpty(ProcessesUsing(_folder));
        return lab;
    }

    private async Task AssertTornDownAsync(Child lab, CancellationToken cancellationToken)
    {
        var exit = await lab.ExitCodeAsync(cancellationToken);
        Assert.True(exit == ExitCodes.Interrupted, $"exit {exit}\n{lab.Error}");
        Assert.Contains("lab: stopping the servers and removing the lab folder", lab.Error);
        // The whole output on failure: which line carried the exception is the finding.
        Assert.False((lab.Out + lab.Error).Contains("Exception", StringComparison.Ordinal), $"an exception in the lab's output:\n{lab.Out}\n{lab.Error}");
        Assert.False(Directory.Exists(_folder), "the lab folder is removed on exit");
        await Poll.UntilAsync(() => Task.FromResult(ProcessesUsing(_folder)), p => p.Count == 0, TimeSpan.FromSeconds(30),
            "no lab server left running", cancellationToken);
    }

    [Theory]
    [InlineData(SigTerm)]
    [InlineData(SigHup)]
    public async Task A_signal_while_the_lab_waits_for_input_tears_the_lab_down(int signal)
    {
        using var timeout = new CancellationTokenSource(Deadline * 2);
        using var lab = await StartLabAsync(timeout.Token);

        Assert.Equal(0, Kill(lab.Process.Id, signal));

        await AssertTornDownAsync(lab, timeout.Token);
    }

    [Fact]
    public async Task A_second_lab_in_a_used_folder_refuses_with_lab_down_and_ctrl_c_ends_the_first_cleanly()
    {
        using var timeout = new CancellationTokenSource(Deadline * 2);
        using var lab = await StartLabAsync(timeout.Token);
        var store = Path.Combine(_folder, "bot", "pgxcbot.db");
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(store)), e => e, Deadline, "the first lab's store", timeout.Token);

        var error = new StringWriter();
        var second = await CliApp.RunAsync(["lab", "--folder", _folder], new CliIo(new StringReader("exit\n"), new StringWriter(), error, InputRedirected: true),
            cancellationToken: timeout.Token);

        Assert.Equal(ExitCodes.BadConfig, second);
        Assert.Contains($"is in use by a running lab (pid {lab.Process.Id})", error.ToString());
        Assert.Contains($"pgxcbot lab down --folder {_folder}", error.ToString());
        Assert.True(File.Exists(store), "the first lab's store is untouched");
        Assert.False(lab.Process.HasExited);

        Assert.Equal(0, Kill(lab.Process.Id, SigInt));
        await AssertTornDownAsync(lab, timeout.Token);
    }

    [Fact]
    public async Task Sigterm_while_the_console_waits_for_input_ends_it_cleanly()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        Directory.CreateDirectory(_folder);
        var config = Path.Combine(_folder, "pgxcbot.json");
        var port = PgxcBot.Lab.Pairs.FreePorts.Pick();
        await File.WriteAllTextAsync(config, new JsonObject
        {
            ["flavor"] = "postgresql",
            ["hosts"] = new JsonArray(new JsonObject { ["name"] = "lab", ["address"] = "127.0.0.1", ["transport"] = "local", ["user"] = Environment.UserName }),
            ["datanodes"] = new JsonArray(new JsonObject
            {
                ["name"] = "datanode1",
                ["master"] = new JsonObject { ["host"] = "lab", ["port"] = port, ["dataDir"] = "/nonexistent/datanode1" },
            }),
            ["database"] = new JsonObject { ["user"] = "postgres" },
            ["store"] = new JsonObject { ["path"] = Path.Combine(_folder, "pgxcbot.db") },
        }.ToJsonString(), timeout.Token);
        using var console = new Child("console", "--config", config);
        await console.Process.StandardInput.WriteLineAsync("/pgxc help");
        await console.Process.StandardInput.FlushAsync(timeout.Token);
        var output = await console.WaitForAsync(c => c.Out, "PgxcBot commands", timeout.Token);
        Assert.True(output.Contains("PgxcBot commands", StringComparison.Ordinal), output + console.Error);

        Assert.Equal(0, Kill(console.Process.Id, SigTerm));

        var exit = await console.ExitCodeAsync(timeout.Token);
        Assert.True(exit == ExitCodes.Interrupted, $"exit {exit}\n{console.Error}");
        Assert.False((console.Out + console.Error).Contains("Exception", StringComparison.Ordinal), console.Out + console.Error);
    }
}
