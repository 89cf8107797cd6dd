using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Hosting;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Messages;
using PgxcBot.Tests.Hosting;

namespace PgxcBot.Tests.Cli;

public sealed class StatusAndConsoleTests : IDisposable
{
    private readonly TempConfigDirectory directory = new();
    private readonly string config;

    public StatusAndConsoleTests()
    {
        config = directory.Write("pgxcbot.json", directory.Runnable().ToJsonString());
    }

    public void Dispose() => directory.Dispose();

    /// <summary>A fixed assessment; like the real source it lets the pair machines follow what it "saw", when given them
    /// (<see cref="With"/> does).</summary>
    private sealed class FixedStatus(Func<ClusterAssessment> get) : IClusterStatusSource
    {
        public int Calls { get; private set; }
        public PgxcBot.Core.Pairs.PairStateTracker? Tracker { get; set; }

        public async Task<ClusterStatus> GetAsync(CancellationToken cancellationToken)
        {
            Calls++;
            var assessment = get();
            if (Tracker is not null) await Tracker.ObserveAsync(assessment, cancellationToken);
            return new ClusterStatus(assessment, new Dictionary<string, PgxcBot.Core.Pairs.PairState>());
        }
    }

    private static Action<IServiceCollection> With(FixedStatus source) =>
        services => services.AddSingleton<IClusterStatusSource>(p =>
        {
            source.Tracker = p.GetRequiredService<PgxcBot.Core.Pairs.PairStateTracker>();
            return source;
        });

    [Fact]
    public async Task Healthy_status_exits_0_and_prints_the_message()
    {
        var run = await CliRun.RunAsync(["status", "--config", config], overrides: With(new FixedStatus(Scenarios.Healthy)));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.StartsWith("[OK] Cluster: healthy", run.Out);
    }

    [Fact]
    public async Task Status_lists_the_window_in_force_who_set_and_approved_it_why_and_until_when_and_keeps_the_servers_exit_code()
    {
        var store = await PgxcBot.Store.SqliteStore.OpenAsync(Path.Combine(directory.Path, "windows.db"), null, default);
        var windows = new PgxcBot.Store.SqliteMaintenanceStore(store);
        var now = DateTimeOffset.UtcNow;
        await windows.SetMuteAsync(new PgxcBot.Core.Monitoring.Mute(0, "datanode1", null, "bob", "kernel update", now, now.AddHours(2)) { ApprovedBy = "alice" }, default);
        var until = PgxcBot.Core.Monitoring.MaintenanceMessages.When(now.AddHours(2));
        void Overrides(IServiceCollection services)
        {
            services.AddSingleton<IClusterStatusSource>(new FixedStatus(Scenarios.MasterLost));
            services.AddSingleton<PgxcBot.Core.Monitoring.IMaintenanceStore>(windows);
        }

        var run = await CliRun.RunAsync(["status", "--config", config], overrides: Overrides);
        Assert.Equal(NagiosCodes.Critical, run.ExitCode); // a window mutes pages; it does not make the pair healthy
        Assert.Contains("Maintenance, silences and owners:", run.Out);
        Assert.Contains($"Maintenance of datanode1 until {until} (set by bob, approved by alice at", run.Out);
        Assert.Contains(": kernel update): no automatic degrade, re-sync or failover, no pages. End it: /pgxc maintenance datanode1 off", run.Out);

        var json = await CliRun.RunAsync(["status", "--config", config, "--json"], overrides: Overrides);
        using var document = JsonDocument.Parse(json.Out);
        var window = Assert.Single(document.RootElement.GetProperty("maintenance").EnumerateArray());
        Assert.Equal("kernel update", window.GetProperty("reason").GetString());
        Assert.Equal("alice", window.GetProperty("approvedBy").GetString());
    }

    [Fact]
    public async Task Status_with_a_critical_problem_exits_2_as_nagios_critical()
    {
        var run = await CliRun.RunAsync(["status", "--config", config], overrides: With(new FixedStatus(Scenarios.MasterLost)));

        Assert.Equal(NagiosCodes.Critical, run.ExitCode);
        Assert.Contains("→ next: /pgxc promote datanode1", run.Out);
    }

    [Fact]
    public async Task Status_with_only_a_warning_exits_1_as_nagios_warning_and_information_only_exits_0()
    {
        static ClusterAssessment With(Severity severity)
        {
            var healthy = Scenarios.Healthy();
            var problem = new Problem("lag-warning", severity, "datanode1", "datanode1's slave is behind.", "watch it");
            return healthy with { Pairs = [healthy.Pairs[0] with { Health = severity, Problems = [problem] }] };
        }
        var warning = await CliRun.RunAsync(["status", "--config", config], overrides: StatusAndConsoleTests.With(new FixedStatus(() => With(Severity.Warning))));
        Assert.Equal(NagiosCodes.Warning, warning.ExitCode);
        var info = await CliRun.RunAsync(["status", "--config", config], overrides: StatusAndConsoleTests.With(new FixedStatus(() => With(Severity.Info))));
        Assert.Equal(NagiosCodes.Ok, info.ExitCode);
    }

    [Fact]
    public async Task Status_that_cannot_run_is_nagios_unknown_whatever_the_reason()
    {
        var badLine = await CliRun.RunAsync(["status", "--config", config, "--no-such-option"]);
        Assert.Equal(NagiosCodes.Unknown, badLine.ExitCode);
        var noConfig = await CliRun.RunAsync(["status"]);
        Assert.Equal(NagiosCodes.Unknown, noConfig.ExitCode);
        var storeDir = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(config)!, "state-dir")).FullName;
        var withStore = TestConfigs.Minimal();
        withStore["store"] = new System.Text.Json.Nodes.JsonObject { ["path"] = storeDir };
        var badStore = await CliRun.RunAsync(["status", "--config", directory.Write("store.json", withStore.ToJsonString())]);
        Assert.Equal(NagiosCodes.Unknown, badStore.ExitCode);
        Assert.Contains("is a directory", badStore.Error);
    }

    [Fact]
    public async Task Json_status_is_only_json_on_stdout_with_enums_as_strings()
    {
        var run = await CliRun.RunAsync(["status", "--config", config, "--json"], overrides: With(new FixedStatus(Scenarios.MasterLost)));

        Assert.Equal(NagiosCodes.Critical, run.ExitCode);
        using var document = JsonDocument.Parse(run.Out);
        var root = document.RootElement;
        Assert.Equal("Critical", root.GetProperty("worst").GetString());
        Assert.Equal("MasterLost", root.GetProperty("pairs")[0].GetProperty("condition").GetString());
        Assert.Equal("Timeout", root.GetProperty("snapshot").GetProperty("pairs")[0].GetProperty("master").GetProperty("status").GetString());
        Assert.Equal("coord1", root.GetProperty("coordinatorViews")[0].GetProperty("coordinator").GetString());
    }

    [Fact]
    public async Task Status_observes_the_cluster_once_taking_what_the_start_up_reconciliation_saw()
    {
        var source = new FixedStatus(Scenarios.Healthy);

        var first = await CliRun.RunAsync(["status", "--config", config], overrides: With(source));
        var callsFirst = source.Calls;
        var second = await CliRun.RunAsync(["status", "--config", config], overrides: With(source));

        Assert.Equal(ExitCodes.Ok, first.ExitCode);
        Assert.Equal(ExitCodes.Ok, second.ExitCode);
        Assert.StartsWith("[OK] Cluster: healthy", second.Out);
        Assert.Equal(1, source.Calls - callsFirst);
    }

    [Fact]
    public async Task Status_with_a_bad_config_exits_3_unknown_before_observing()
    {
        var source = new FixedStatus(Scenarios.Healthy);
        var bad = directory.Write("bad.json", TestConfigs.FiveMistakes());

        var run = await CliRun.RunAsync(["status", "--config", bad], overrides: With(source));

        Assert.Equal(NagiosCodes.Unknown, run.ExitCode);
        Assert.Contains("error: datanodes[0].slave.port: 70000", run.Error);
        Assert.Equal("", run.Out);
        Assert.Equal(0, source.Calls);
    }

    [Fact]
    public async Task Status_failure_exits_3_with_the_reason_on_stderr()
    {
        var run = await CliRun.RunAsync(["status", "--config", config],
            overrides: With(new FixedStatus(() => throw new InvalidOperationException("observer exploded"))));

        Assert.Equal(NagiosCodes.Unknown, run.ExitCode);
        Assert.Contains("observer exploded", run.Error);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task Console_answers_each_line_until_exit_without_prompts_when_redirected()
    {
        var source = new FixedStatus(Scenarios.Healthy);
        var run = await CliRun.RunAsync(["console", "--config", config],
            stdin: "/pgxc help\n\n/pgxc promte datanode1\n/pgxc status\n/pgxc promote datanode1\nexit\n/pgxc status\n",
            overrides: With(source));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("pgxc> ", run.Out);
        Assert.Contains("[INFO] PgxcBot commands", run.Out);
        Assert.Contains("did you mean promote?", run.Out);
        Assert.Contains("[OK] Cluster: healthy", run.Out);
        Assert.Contains("may not request operations", run.Out); // the OS user is not in approvals.requesters
        Assert.Equal(2, source.Calls); // one at start (reconciliation), one for /pgxc status; not the one after exit
    }

    [Fact]
    public async Task Console_stops_at_end_of_input_and_prompts_when_interactive()
    {
        var run = await CliRun.RunAsync(["console", "--config", config, "--no-monitor"], stdin: "/pgxc help\n", redirected: false,
            overrides: With(new FixedStatus(Scenarios.Healthy)));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("pgxc> ", run.Out);
    }

    [Fact]
    public async Task Console_reports_a_failed_status_and_keeps_going()
    {
        var run = await CliRun.RunAsync(["console", "--config", config], stdin: "/pgxc status\n/pgxc help\n",
            overrides: With(new FixedStatus(() => throw new InvalidOperationException("no route"))));

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("[CRITICAL] status failed", run.Out);
        Assert.Contains("PgxcBot commands", run.Out);
        Assert.Contains("no route", run.Error); // logged on stderr
    }

    [Fact]
    public async Task Host_wiring_resolves_every_service_and_validates_on_start()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPgxcBot(BotCommand.Run, new BotSetup
        {
            Options = PgxcBot.Core.Topology.ConfigLoader.Parse(TestConfigs.Minimal().ToJsonString()).Options,
            BaseDirectory = directory.Path,
            Secrets = new PgxcBot.Secrets.SecretResolver(),
            Store = new BotStore.Sqlite(await PgxcBot.Store.SqliteStore.OpenAsync(Path.Combine(directory.Path, "pgxcbot.db"), null, default)),
            Terminal = TextWriter.Null,
        });
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Equal(Path.Combine(directory.Path, "pgxcbot.db"), provider.GetRequiredService<PgxcBot.Core.Topology.ClusterTopology>().StorePath);
        Assert.NotNull(provider.GetRequiredService<PgxcBot.Chat.ChatCommandHandler>());
        Assert.NotNull(provider.GetRequiredService<PgxcBot.Core.Observation.IClusterObserver>());
        Assert.NotNull(provider.GetRequiredService<PgxcBot.Core.Operations.OperationService>());
        Assert.NotNull(provider.GetRequiredService<PgxcBot.Outbox.OutboxSenderService>().For(provider.GetRequiredService<PgxcBot.Outbox.ConsoleTarget>().Name));
        // The whole SSH connect within monitor.connectTimeoutSeconds (it used to get twice that).
        Assert.Equal(PgxcBot.Core.Topology.MonitorSettings.Default.ConnectTimeout, provider.GetRequiredService<PgxcBot.Ssh.SshRemoteShell>().ConnectTimeout);
    }

    [Fact]
    public void Options_validation_reports_every_error_with_its_path()
    {
        var loaded = PgxcBot.Core.Topology.ConfigLoader.Parse(TestConfigs.FiveMistakes()).Options;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPgxcBotCore(loaded, directory.Path);
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PgxcBot.Core.Topology.PgxcBotOptions>>().Value);
        Assert.Contains(e.Failures, f => f.StartsWith("datanodes[0].slave.port: ", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("hosts[1].hostKeyFingerprint: ", StringComparison.Ordinal));
    }
}
