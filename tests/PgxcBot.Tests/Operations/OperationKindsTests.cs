using PgxcBot.Core.Advice;
using PgxcBot.Core.Commands;
using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;
using PgxcBot.Tests.Messages;

namespace PgxcBot.Tests.Operations;

/// <summary>The table of operation kinds drives the catalogue, the parser, the planners, approval and every button:
/// each test iterates the table, so a new row is checked without a new test.</summary>
public class OperationKindsTests
{
    public static TheoryData<string> Kinds() => [.. OperationKinds.All.Select(k => k.Name)];

    private static readonly DateTimeOffset Now = Scenarios.TakenAt;

    [Fact]
    public void The_names_are_the_stored_and_wire_names_and_unique()
    {
        // Stored operations, Discord custom_ids and slash-command names carry these: renaming one breaks them.
        Assert.Equal(["promote", "sync", "async", "repoint", "add-slave", "rebuild", "switchover", "stop", "start", "resolve-2pc"],
            OperationKinds.All.Select(k => k.Name));
        Assert.Null(OperationKinds.Find("Promote"));
        Assert.Null(OperationKinds.Find("status"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_has_a_catalogue_entry_a_parser_arm_and_an_approval_rule(string name)
    {
        var kind = OperationKinds.Find(name)!;
        Assert.Same(kind.Command, CommandCatalogue.Find(name));
        Assert.Contains(name, CommandCatalogue.PlannableOperations);
        Assert.Equal(kind.Approval != KindApproval.Never, ApprovalPolicy.DefaultKindsNeedingApproval.Contains(name));
        Assert.Equal(kind.Approval != KindApproval.Never, kind.Command.NeedsApproval);
        Assert.Equal(kind.Approval == KindApproval.WhenLowersDurability, kind.Command.ApprovalNote is not null);

        var parser = new CommandParser(["datanode1"]);
        Assert.Equal(new OperationCommand(kind, "datanode1", []), parser.Parse($"/pgxc {name} datanode1").Command);
        var every = kind.Options.Select(o => o.Name).ToArray();
        Assert.Equal(new OperationCommand(kind, "datanode1", every),
            parser.Parse($"/pgxc {name} {string.Join(' ', every.Reverse().Select(o => "--" + o))} datanode1").Command);
        Assert.Equal(new PlanCommand(name, "datanode1"), parser.Parse($"/pgxc plan {name} datanode1").Command);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_kind_has_a_planner_that_plans_it_under_its_own_name(string name)
    {
        var topology = RunbookTopologies.TwoNodes();
        var cluster = new FakeCluster(topology);
        var time = new FakeTimeProvider(Now);
        var service = cluster.OperationService(topology, new MemoryOperationStore(), ApprovalPolicy.Nobody, time, pairs: NullPairOperationSink.Instance);

        var plan = await service.PreviewAsync(name, "datanode1", [], default);
        // A healthy pair: some kinds have nothing to do and refuse, in their own words (not "no runbook").
        if (plan.IsRefused) Assert.DoesNotContain("no runbook", plan.Refusal, StringComparison.Ordinal);
        else Assert.Equal((name, "datanode1"), (plan.Runbook!.Kind, plan.Runbook.Datanode));

        var unknown = await service.PreviewAsync(name, "datanode9", [], default);
        Assert.True(unknown.IsRefused);
        Assert.Contains("datanode9", unknown.Refusal, StringComparison.Ordinal);

        var none = await service.PreviewAsync(name + "x", "datanode1", [], default);
        Assert.Equal($"there is no runbook for '{name}x'.", none.Refusal);
    }

    [Fact]
    public void Destructive_kinds_are_those_that_take_a_server_out_of_service_or_overwrite_its_data()
    {
        // promote and switchover stop the old master, stop stops both, rebuild overwrites the old master's data directory.
        Assert.Equal(["promote", "rebuild", "switchover", "stop"], OperationKinds.All.Where(k => k.Destructive).Select(k => k.Name));
        Assert.All(OperationKinds.All, k => Assert.Equal(k.Destructive ? ActionStyle.Danger : ActionStyle.Primary, k.ButtonStyle));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_kinds_button_has_one_colour_on_the_approval_message_in_status_in_alerts_and_on_the_plan_preview(string name)
    {
        var kind = OperationKinds.Find(name)!;
        var plan = new Runbook(name, "datanode1", $"{name} datanode1", [], [], []);
        var command = $"/pgxc {name} datanode1";

        var preview = OperationMessageBuilder.Preview(plan).Actions.Single(a => a.Command == command);
        var awaiting = new Operation(3, name, "datanode1", OperationState.AwaitingApproval, Actor.Console("alice"), Now, null, null, Now.AddMinutes(10),
            "b5811d565684", plan, Operation.PendingSteps(plan), null, []);
        var approve = OperationMessageBuilder.Build(awaiting).Actions.Single(a => a.Label.StartsWith("Approve", StringComparison.Ordinal));

        var healthy = Scenarios.Healthy();
        var problem = new Problem(ProblemCodes.SlaveNotStreaming, Severity.Warning, "datanode1", "datanode1's slave is not streaming.", command)
            { Command = command, ActionLabel = name };
        var assessment = healthy with { Pairs = [healthy.Pairs[0] with { Condition = ObservedCondition.SlaveLost, Health = Severity.Warning, Problems = [problem] }] };
        var status = StatusMessageBuilder.Build(assessment).Actions.Single(a => a.Command == command);
        var alert = AlertRules.From(assessment).Single().Actions.Single(a => a.Command == command);

        // The advice's Approve of a request of this kind awaiting approval, in status and in the alert.
        var approveCommand = "/pgxc approve 3 --plan b5811d565684";
        var waiting = healthy with { Pairs = [assessment.Pairs[0] with { Problems = [problem with { Command = approveCommand, ActionLabel = "Approve 3", ApprovesKind = name }] }] };
        var statusApprove = StatusMessageBuilder.Build(waiting).Actions.Single(a => a.Command == approveCommand);
        var alertApprove = AlertRules.From(waiting).Single().Actions.Single(a => a.Command == approveCommand);

        Assert.Equal(
            [("plan preview", kind.ButtonStyle), ("approval message", kind.ButtonStyle), ("status", kind.ButtonStyle), ("alert", kind.ButtonStyle),
             ("status approve", kind.ButtonStyle), ("alert approve", kind.ButtonStyle)],
            [("plan preview", preview.Style), ("approval message", approve.Style), ("status", status.Style), ("alert", alert.Style),
             ("status approve", statusApprove.Style), ("alert approve", alertApprove.Style)]);
    }

    [Fact]
    public void The_advised_approve_of_a_waiting_rebuild_is_red_in_status_and_in_the_alert_as_on_its_approval_message()
    {
        // After a promote the old master is down: the advice is a rebuild, and a rebuild awaits approval.
        var assessed = new ClusterBuilder().Async().SlaveKilled().Assess();
        var waiting = new OperationNote(5, "rebuild", OperationState.AwaitingApproval, Now, "", "abc123", "asked by alice");
        var standing = new PairStanding("datanode1", PairState.Promoted, null, waiting, null, null);
        var advised = ClusterAdvisor.Apply(new ClusterBuilder().Topology(), assessed,
            new Dictionary<string, PairStanding> { ["datanode1"] = standing });

        const string approve = "/pgxc approve 5 --plan abc123";
        Assert.Equal(ActionStyle.Danger, StatusMessageBuilder.Build(advised).Actions.Single(a => a.Command == approve).Style);
        Assert.Equal(ActionStyle.Danger, AlertRules.From(advised).Single(c => c.Kind == AlertKinds.SlaveLost).Actions.Single(a => a.Command == approve).Style);
    }

    [Fact]
    public void The_monitors_own_buttons_take_their_kinds_colour()
    {
        Assert.Equal(OperationKinds.Rebuild.ButtonStyle, FailoverMessages.Promoted("datanode1", new MonitorOperationOutcome(true, 4, "promoted", Now)).Actions.Single(a => a.Command == "/pgxc rebuild datanode1").Style);
    }
}
