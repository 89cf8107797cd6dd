using PgxcBot.Core.Remote;
using PgxcBot.Monitoring;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Monitoring;

public class SshWatchTests
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));
    private readonly ScriptedShell _shell = new();
    private readonly ClusterTopology _topology = TestConfigs.Validate(TestConfigs.Minimal()).Topology!;
    private readonly SshWatch _watch;

    public SshWatchTests() => _watch = new SshWatch(_shell, _time, NullLogger<SshWatch>.Instance);

    private async Task TickAsync()
    {
        _watch.Tick(_topology, Every, Poll, TimeSpan.FromSeconds(4), CancellationToken.None);
        await _watch.WhenIdleAsync();
    }

    private static RemoteExecutionException HostKey(string host) => new(host, RemoteFailure.HostKeyRejected,
        $"the host key of {host} is SHA256:OFFEREDOFFEREDOFFERED, not the pinned {TestConfigs.FingerprintA}; if the host was reinstalled, pin the new key in hostKeyFingerprint.");

    [Fact]
    public async Task Checks_every_ssh_host_once_per_cadence_not_every_poll()
    {
        for (var i = 0; i < 30; i++)
        {
            await TickAsync();
            _time.Advance(Poll);
        }
        Assert.Equal(1, _shell.Calls("node01"));
        Assert.Equal(1, _shell.Calls("node02"));
        await TickAsync();
        Assert.Equal(2, _shell.Calls("node01"));
        Assert.All(_shell.Commands, c => Assert.Equal("true", c));
    }

    [Fact]
    public async Task A_host_is_lost_after_two_failed_checks_the_second_one_poll_later_and_found_again_at_the_first_success()
    {
        _shell.Fail("node01", HostKey("node01"));
        await TickAsync();
        Assert.Empty(_watch.Candidates(_topology)); // one failure may be a blip
        _time.Advance(Poll);
        await TickAsync();
        Assert.Equal(2, _shell.Calls("node01"));
        var lost = Assert.Single(_watch.Candidates(_topology));
        Assert.Equal("host/node01/ssh-lost", lost.Key);

        // Lost: back to the slow cadence.
        for (var i = 0; i < 29; i++)
        {
            _time.Advance(Poll);
            await TickAsync();
        }
        Assert.Equal(2, _shell.Calls("node01"));
        _shell.Heal("node01");
        _time.Advance(Poll);
        await TickAsync();
        Assert.Empty(_watch.Candidates(_topology));
        Assert.True(_watch.Last("node01")!.Answered);
    }

    [Fact]
    public async Task The_alert_says_what_failed_with_the_offered_fingerprint_what_it_means_and_what_to_do()
    {
        _shell.Fail("node01", HostKey("node01"));
        await TickAsync();
        _time.Advance(Poll);
        await TickAsync();
        var alert = Assert.Single(_watch.Candidates(_topology));
        var text = string.Join("\n", alert.Sentences) + "\n" + alert.NextStep;
        Assert.Equal("SSH to node01 lost", alert.Title);
        Assert.Contains("host key was rejected", text);
        Assert.Contains("SHA256:OFFEREDOFFEREDOFFERED", text);
        Assert.Contains("master of datanode1", text);
        Assert.Contains("cannot be fenced", text);
        Assert.Contains("hostKeyFingerprint", alert.NextStep);
    }

    [Theory]
    [InlineData(RemoteFailure.Unreachable, "does not answer on its SSH port", "sshd listens on node01:22")]
    [InlineData(RemoteFailure.AuthenticationFailed, "login was refused", "authorized_keys")]
    public async Task Each_kind_of_failure_has_its_own_words_and_fix(RemoteFailure failure, string what, string fix)
    {
        _shell.Fail("node01", new RemoteExecutionException("node01", failure, "the shell's own message."));
        await TickAsync();
        _time.Advance(Poll);
        await TickAsync();
        var alert = Assert.Single(_watch.Candidates(_topology));
        Assert.Contains(alert.Sentences, s => s.Contains(what, StringComparison.Ordinal) && s.Contains("the shell's own message", StringComparison.Ordinal));
        Assert.Contains(fix, alert.NextStep);
        Assert.Contains(alert.Sentences, s => s.Contains("slave of datanode1", StringComparison.Ordinal)
            || s.Contains("master of datanode1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_hung_host_never_blocks_the_tick_and_gets_one_check_at_a_time()
    {
        var hang = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _shell.Hang("node01", hang.Task);
        _watch.Tick(_topology, Every, Poll, TimeSpan.FromSeconds(4), CancellationToken.None); // returns at once
        _time.Advance(Every);
        // Polled with a deadline: node02's first check finishes on the thread pool, node01's never does.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_shell.Calls("node02") < 2 && DateTime.UtcNow < deadline)
        {
            _watch.Tick(_topology, Every, Poll, TimeSpan.FromSeconds(4), CancellationToken.None);
            await Task.Delay(10);
        }
        Assert.Equal(2, _shell.Calls("node02"));
        Assert.Equal(1, _shell.Calls("node01"));
        hang.SetResult(new CommandResult(0, "", "", TimeSpan.Zero));
        await _watch.WhenIdleAsync();
    }

    [Fact]
    public async Task Local_hosts_are_not_checked()
    {
        var local = _topology with { Hosts = _topology.Hosts.Select(h => h with { Transport = TransportKind.Local }).ToArray() };
        _watch.Tick(local, Every, Poll, TimeSpan.FromSeconds(4), CancellationToken.None);
        await _watch.WhenIdleAsync();
        Assert.Equal(0, _shell.Calls("node01"));
    }

    [Fact]
    public async Task Through_the_incident_engine_it_raises_once_and_recovers()
    {
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        _shell.Fail("node02", new RemoteExecutionException("node02", RemoteFailure.Unreachable, "connect to node02:22 timed out after 4 s."));
        var notes = new List<Notification>();
        for (var i = 0; i < 10; i++)
        {
            await TickAsync();
            notes.AddRange(engine.Evaluate(_watch.Candidates(_topology)).Notifications);
            _time.Advance(Poll);
        }
        var raised = Assert.Single(notes);
        Assert.Equal((NotificationKind.Raised, "host/node02/ssh-lost"), (raised.Kind, raised.IncidentKey));
        Assert.Contains("timed out", PlainTextRenderer.Render(raised.Message));
        Assert.Contains("Next: Check that node02 is up", PlainTextRenderer.Render(raised.Message));

        _shell.Heal("node02");
        notes.Clear();
        for (var i = 0; i < 40; i++)
        {
            await TickAsync();
            notes.AddRange(engine.Evaluate(_watch.Candidates(_topology)).Notifications);
            _time.Advance(Poll);
        }
        var cleared = Assert.Single(notes);
        Assert.Equal((NotificationKind.Cleared, "host/node02/ssh-lost"), (cleared.Kind, cleared.IncidentKey));
    }

    [Fact]
    public void The_check_cadence_is_configurable_and_validated()
    {
        var config = TestConfigs.Minimal();
        config["alerts"] = new System.Text.Json.Nodes.JsonObject { ["sshCheckSeconds"] = 12 };
        Assert.Equal(TimeSpan.FromSeconds(12), TestConfigs.Validate(config).Topology!.Alerts.SshCheck);
        Assert.Equal(TimeSpan.FromSeconds(30), AlertSettings.Default.SshCheck);
        config["alerts"] = new System.Text.Json.Nodes.JsonObject { ["sshCheckSeconds"] = 1 };
        Assert.Contains(TestConfigs.Validate(config).Errors, e => e.Path == "alerts.sshCheckSeconds" && e.Message.Contains("5 to 3600", StringComparison.Ordinal));
    }

    /// <summary>Answers <c>true</c> per host: success, a failure, or a task that never ends.</summary>
    internal sealed class ScriptedShell : IRemoteShell
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Exception> _failures = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Task<CommandResult>> _hangs = new(StringComparer.Ordinal);
        private readonly List<string> _commands = [];

        public IReadOnlyList<string> Commands { get { lock (_gate) return _commands.ToArray(); } }

        public int Calls(string host) { lock (_gate) return _calls.GetValueOrDefault(host); }

        public void Fail(string host, Exception e) { lock (_gate) _failures[host] = e; }

        public void Heal(string host) { lock (_gate) _failures.Remove(host); }

        public void Hang(string host, Task<CommandResult> until) { lock (_gate) _hangs[host] = until; }

        public Task<CommandResult> RunAsync(Host host, ShellCommand command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _calls[host.Name] = _calls.GetValueOrDefault(host.Name) + 1;
                _commands.Add(command.Text);
                if (_hangs.TryGetValue(host.Name, out var hang)) return hang;
                if (_failures.TryGetValue(host.Name, out var e)) return Task.FromException<CommandResult>(e);
            }
            return Task.FromResult(new CommandResult(0, "", "", TimeSpan.FromMilliseconds(30)));
        }
    }
}
