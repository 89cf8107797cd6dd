using PgxcBot.Core.Remote;
using PgxcBot.Monitoring;
using PgxcBot.Postgres;
using PgxcBot.Secrets;
using PgxcBot.Tests.Secrets;
using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

/// <summary>
/// A poll that could not look (the bot's own password unavailable, an SSH check without a verdict yet) is
/// not an observation: it must not say "datanode1 is down", store a pair state change, or clear an
/// incident that the next real observation would raise again ("Recovered" then "Back again").
/// </summary>
public class NonObservationTests
{
    private const string Unset = "cannot authenticate: environment variable PGXCBOT_DB_PASSWORD is unset (or empty); set it in the bot's environment.";
    private readonly FakeTimeProvider _time = new(ClusterBuilder.Now);

    private static ClusterBuilder PasswordUnset()
    {
        var cluster = new ClusterBuilder(datanodes: 2);
        foreach (var pair in cluster.Pairs.Values)
        {
            pair.MasterStatus = pair.SlaveStatus = ProbeStatus.NotAttempted;
            pair.MasterError = pair.SlaveError = Unset;
        }
        foreach (var coordinator in cluster.Coordinators.Values) coordinator.Status = ProbeStatus.NotAttempted;
        return cluster;
    }

    [Fact]
    public async Task The_observer_contacts_nothing_and_says_which_variable_is_unset()
    {
        var topology = TestConfigs.Validate(TestConfigs.Minimal()).Topology!;
        await using var observer = new NpgsqlClusterObserver(new SecretResolver(_ => null), TimeProvider.System, NullLogger<NpgsqlClusterObserver>.Instance);

        var snapshot = await observer.ObserveAsync(topology, CancellationToken.None);

        var master = snapshot.Pairs[0].Master;
        Assert.Equal(ProbeStatus.NotAttempted, master.Status);
        Assert.StartsWith("cannot authenticate: environment variable PGXCBOT_DB_PASSWORD is unset", master.Error);
        Assert.Equal(ProbeStatus.NotAttempted, snapshot.Coordinators[0].Status);
    }

    [Fact]
    public void An_unset_password_is_reported_as_such_never_as_a_server_down()
    {
        var assessment = PasswordUnset().Assess();

        Assert.All(assessment.Pairs, pair =>
        {
            Assert.Equal(ObservedCondition.Unknown, pair.Condition);
            var problem = Assert.Single(pair.Problems);
            Assert.Equal(ProblemCodes.CredentialsUnavailable, problem.Code);
            Assert.StartsWith("cannot authenticate: environment variable PGXCBOT_DB_PASSWORD is unset", problem.Sentence);
            Assert.Contains("says nothing about them", problem.Sentence);
            Assert.DoesNotContain("promote", problem.NextStep);
        });
        Assert.Empty(assessment.CoordinatorProblems);
        var text = PlainTextRenderer.Render(StatusMessageBuilder.Build(assessment, new Dictionary<string, PairState>()));
        Assert.DoesNotContain("does not answer", text);
        Assert.DoesNotContain("unreachable", text);
        Assert.Contains("cannot authenticate: environment variable PGXCBOT_DB_PASSWORD is unset", text);
    }

    [Fact]
    public async Task No_pair_state_change_is_stored_from_a_probe_that_was_not_attempted()
    {
        var store = new MemoryPairStateStore();
        store.States["datanode1"] = PairState.Sync;
        using var tracker = new PairStateTracker(store, _time);
        var assessment = PasswordUnset().Assess();

        Assert.Empty(await tracker.ReconcileAsync(assessment, CancellationToken.None));
        Assert.Empty(await tracker.ObserveAsync(assessment, CancellationToken.None));
        Assert.Empty(store.Transitions);
        Assert.Equal(PairState.Sync, store.States["datanode1"]);
        Assert.False(store.States.ContainsKey("datanode2"));
    }

    [Fact]
    public void An_open_incident_of_a_pair_not_observed_is_held_and_clears_only_when_observed()
    {
        var engine = new IncidentEngine(AlertSettings.Default, _time);
        var masterLost = AlertRules.From(new ClusterBuilder().MasterKilled().Assess()).Single(c => c.Kind == AlertKinds.MasterLost);
        for (var i = 0; i < 2; i++) { _time.Advance(TimeSpan.FromSeconds(1)); engine.Evaluate([masterLost]); }
        Assert.Equal(IncidentStatus.Open, engine.Find(masterLost.Key)!.Status);

        var unobserved = new HashSet<string> { "datanode1" };
        for (var i = 0; i < 30; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.DoesNotContain(engine.Evaluate([], unobserved: unobserved).Notifications, n => n.Kind == NotificationKind.Cleared);
        }
        Assert.Equal(IncidentStatus.Open, engine.Find(masterLost.Key)!.Status);

        // Observed again and gone: now it is a real recovery.
        var said = new List<Notification>();
        for (var i = 0; i < 2; i++) { _time.Advance(TimeSpan.FromSeconds(1)); said.AddRange(engine.Evaluate([]).Notifications); }
        Assert.Single(said, n => n.Kind == NotificationKind.Cleared);
    }

    /// <summary>The monitor's SSH part, as MonitorService runs it: tick the watch, then evaluate.</summary>
    private static async Task<List<Notification>> PollAsync(SshWatch watch, IncidentEngine engine, ClusterTopology topology, FakeTimeProvider time,
        bool holdUndecided, bool waitForChecks = true)
    {
        time.Advance(TimeSpan.FromSeconds(1));
        watch.Tick(topology, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4), CancellationToken.None);
        if (waitForChecks) await watch.WhenIdleAsync();
        return engine.Evaluate(watch.Candidates(topology), unobserved: holdUndecided ? watch.Undecided(topology) : null).Notifications.ToList();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_restarted_monitor_never_says_recovered_then_back_again_for_an_ssh_key_it_still_cannot_use(bool holdUndecided)
    {
        var topology = TestConfigs.Validate(TestConfigs.Minimal()).Topology!;
        var keyProblem = new RemoteExecutionException("node01", RemoteFailure.KeyUnavailable,
            "node01: the passphrase from environment variable PGXCBOT_SSH_KEY_PASSPHRASE does not decrypt the SSH key /etc/pgxcbot/id_rsa");
        var shell = new SshWatchTests.ScriptedShell();
        shell.Fail("node01", keyProblem);

        // Before the restart: the key problem is an open ssh-lost incident.
        var before = new IncidentEngine(AlertSettings.Default, _time);
        var firstWatch = new SshWatch(shell, _time, NullLogger<SshWatch>.Instance);
        for (var i = 0; i < 3; i++) await PollAsync(firstWatch, before, topology, _time, holdUndecided: true);
        Assert.Equal(IncidentStatus.Open, before.Find("host/node01/ssh-lost")!.Status);

        // Restart: incidents come back from the store, the watch starts empty, and the first check takes a
        // few polls (a connect is slower than a poll).
        var engine = new IncidentEngine(AlertSettings.Default, _time, before.Active);
        var watch = new SshWatch(shell, _time, NullLogger<SshWatch>.Instance);
        var firstCheck = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        shell.Hang("node01", firstCheck.Task);
        var said = new List<Notification>();
        for (var i = 0; i < 4; i++) said.AddRange(await PollAsync(watch, engine, topology, _time, holdUndecided, waitForChecks: false));
        firstCheck.SetException(keyProblem);
        await watch.WhenIdleAsync();
        for (var i = 0; i < 60; i++) said.AddRange(await PollAsync(watch, engine, topology, _time, holdUndecided));

        if (holdUndecided)
        {
            Assert.Empty(said);
            Assert.Equal(IncidentStatus.Open, engine.Find("host/node01/ssh-lost")!.Status);
        }
        else
        {
            // Without holding undecided hosts (the old behaviour): the false pair of messages this prevents.
            Assert.Contains(said, n => n.Kind == NotificationKind.Cleared);
            Assert.Contains(said, n => n.Kind == NotificationKind.Reminder);
        }
    }
}
