using PgxcBot.Core.Gtm;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Assessment;

/// <summary>A GTM outage is one problem with every node it takes down under it, not one alert per node.</summary>
public class GtmAssessmentTests
{
    private static ClusterTopology WithGtm(ClusterBuilder builder) => builder.Topology() with
    {
        Gtm = new GtmSettings(new GtmServer("gtm", "node01", "127.0.0.11", 20001), "/home/postgresxc/pgxc/gtm", []),
    };

    private static ClusterSnapshot GtmDown(ClusterBuilder builder)
    {
        foreach (var pair in builder.Pairs.Values)
        {
            pair.MasterStatus = ProbeStatus.GtmUnavailable;
            pair.MasterError = "08006: GTM error, could not obtain snapshot XID = 0";
        }
        foreach (var coordinator in builder.Coordinators.Values) coordinator.Status = ProbeStatus.GtmUnavailable;
        return builder.Snapshot() with
        {
            Gtm = [new GtmObservation("gtm", "127.0.0.11:20001", false, GtmCallStatus.Unreachable, "connection refused", TimeSpan.FromMilliseconds(1), ClusterBuilder.Now)],
        };
    }

    [Fact]
    public void A_dead_GTM_is_one_critical_problem_naming_every_node_it_takes_down_and_the_nodes_do_not_alert_on_their_own()
    {
        var builder = new ClusterBuilder(datanodes: 2);
        var assessment = ClusterAssessor.Assess(WithGtm(builder), GtmDown(builder));

        var gtm = Assert.Single(assessment.ClusterProblems);
        Assert.Equal(ProblemCodes.GtmUnreachable, gtm.Code);
        Assert.Equal(Severity.Critical, gtm.Severity);
        Assert.Contains("4 node(s) report it", gtm.Sentence);
        Assert.Contains("gtm_ctl start -Z gtm -D /home/postgresxc/pgxc/gtm", gtm.NextStep);
        Assert.All(assessment.Pairs.SelectMany(p => p.Problems).Concat(assessment.CoordinatorProblems), p => Assert.Equal(Severity.Info, p.Severity));
        var alerts = PgxcBot.Core.Monitoring.AlertRules.From(assessment);
        Assert.Equal("gtm", Assert.Single(alerts).Subject);
    }

    [Fact]
    public void Nodes_cut_off_from_a_GTM_that_answers_the_bot_are_one_problem_about_the_way_to_it()
    {
        var builder = new ClusterBuilder();
        var snapshot = GtmDown(builder) with
        {
            Gtm = [new GtmObservation("gtm", "127.0.0.11:20001", false, GtmCallStatus.Ok, null, TimeSpan.FromMilliseconds(1), ClusterBuilder.Now)],
        };

        var problem = Assert.Single(ClusterAssessor.Assess(WithGtm(builder), snapshot).ClusterProblems);

        Assert.Contains("answers the bot, but 3 node(s) cannot reach it", problem.Sentence);
        Assert.Contains("gtm_host/gtm_port", problem.NextStep);
    }

    [Fact]
    public void A_healthy_GTM_adds_nothing_and_status_shows_it_answering()
    {
        var builder = new ClusterBuilder();
        var snapshot = builder.Snapshot() with
        {
            Gtm = [new GtmObservation("gtm", "127.0.0.11:20001", false, GtmCallStatus.Ok, null, TimeSpan.FromMilliseconds(3), ClusterBuilder.Now)],
        };

        var assessment = ClusterAssessor.Assess(WithGtm(builder), snapshot);

        Assert.Empty(assessment.ClusterProblems);
        var text = PgxcBot.Core.Messages.PlainTextRenderer.Render(PgxcBot.Core.Messages.StatusMessageBuilder.Build(assessment));
        Assert.Contains("GTM 127.0.0.11:20001: answers", text);
    }
}
