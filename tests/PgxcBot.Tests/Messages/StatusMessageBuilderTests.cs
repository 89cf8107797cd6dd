namespace PgxcBot.Tests.Messages;

public class StatusMessageBuilderTests
{
    [Fact]
    public void Problem_scenario_renders_health_pairs_problems_and_matrix()
    {
        var message = StatusMessageBuilder.Build(Scenarios.MasterLost(),
            new Dictionary<string, PairState> { ["datanode1"] = PairState.Sync });
        var text = PlainTextRenderer.Render(message);

        Assert.Equal(Severity.Critical, message.Severity);
        var expected = """
            [CRITICAL] Cluster: CRITICAL — 1 critical problem, 2 warnings
            Checked: 2026-11-26 03:00:00 UTC   Took: 2 s   Pairs: 1 of 2 healthy
            [CRITICAL] datanode1: MasterLost (stored: Sync) — master node01:20006 (timeout), slave node02:20010 — not streaming
                [CRITICAL] datanode1's master node01:20006 does not answer (timeout); its slave node02:20010 was in sync.
                  → next: /pgxc promote datanode1
            [OK] datanode2: Sync — master node02:20008, slave node01:20010 — lag 0 bytes / 0 s
            Coordinators:
                [WARNING] coord1 routes datanode1 to node02:20099, which is not its master.
                  → next: /pgxc repoint datanode1
                [WARNING] coord2 (node02:20004) does not answer: its routing cannot be checked.
                  → next: Check the coordinator process on node02.
            Coordinator routing (datanode × coordinator) — ✗ routes to a server that is not the current master; ? coordinator did not answer

            datanode   coord1          coord2 ?
            ---------  --------------  -------------
            datanode1  ✗ node02:20099  ? unreachable
            datanode2  node02:20008    ? unreachable

            Suggested: /pgxc promote datanode1   /pgxc repoint datanode1

            """;
        Assert.Equal(expected.ReplaceLineEndings(), text.ReplaceLineEndings());
    }

    [Fact]
    public void Next_steps_that_are_commands_become_actions_and_promote_is_dangerous()
    {
        var message = StatusMessageBuilder.Build(Scenarios.MasterLost());
        Assert.Equal(
            [new ChatAction("promote datanode1", "/pgxc promote datanode1", ActionStyle.Danger),
             new ChatAction("repoint datanode1", "/pgxc repoint datanode1", ActionStyle.Primary)],
            message.Actions);
    }

    [Fact]
    public void Missing_row_is_marked_with_an_exclamation_and_explained()
    {
        var assessment = Scenarios.Healthy() with
        {
            CoordinatorViews = [new("coord1", "datanode1", null, false)],
        };
        var message = StatusMessageBuilder.Build(assessment);
        Assert.Equal("! no row", message.Tables[0].Rows[0][1]);
        Assert.Contains(message.Lines, l => l.Contains("! no pgxc_node row for the datanode", StringComparison.Ordinal));
    }

    [Fact]
    public void Healthy_cluster_has_a_calm_title_and_no_legend()
    {
        var message = StatusMessageBuilder.Build(Scenarios.Healthy());

        Assert.Equal("Cluster: healthy", message.Title);
        Assert.Equal(Severity.Ok, message.Severity);
        Assert.Equal("[OK] datanode1: Sync — master node01:20006, slave node02:20010 — lag 1.5 kB / 0.3 s", message.Lines[0]);
        Assert.Equal("Coordinator routing (datanode × coordinator)", message.Lines[^1]);
        Assert.Equal(["datanode1", "node01:20006"], message.Tables[0].Rows[0]);
        Assert.Empty(message.Actions);
    }

    [Fact]
    public void One_datanode_only()
    {
        var message = StatusMessageBuilder.Build(Scenarios.MasterLost(), onlyDatanode: "datanode2");

        Assert.StartsWith("datanode2: ", message.Title);
        Assert.DoesNotContain(message.Lines, l => l.Contains("datanode1", StringComparison.Ordinal));
        Assert.Equal("datanode2", Assert.Single(message.Tables[0].Rows)[0]);
    }

    [Fact]
    public void Commits_blocked_is_said_on_the_pair_line()
    {
        var healthy = Scenarios.Healthy();
        var blocked = healthy with { Pairs = [healthy.Pairs[0] with { CommitsBlocked = true }] };
        Assert.EndsWith("COMMITS BLOCKED", StatusMessageBuilder.Build(blocked).Lines[0]);
    }

    [Fact]
    public void No_coordinators_means_no_matrix()
    {
        var healthy = Scenarios.Healthy();
        var plain = healthy with
        {
            Snapshot = healthy.Snapshot with { Coordinators = [] },
            CoordinatorViews = [],
        };
        Assert.Empty(StatusMessageBuilder.Build(plain).Tables);
    }
}
