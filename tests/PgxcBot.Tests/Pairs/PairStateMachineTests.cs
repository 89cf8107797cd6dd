using PgxcBot.Tests.Assessment;

namespace PgxcBot.Tests.Pairs;

public class PairStateMachineTests
{
    // Satisfies every guard of the table: slave streaming and in sync, old master gone.
    private static readonly PairGuardFacts AllGuardsHold = new(SlaveStreaming: true, SlaveInSync: true, MasterWritable: false);

    public static TheoryData<int> Rows()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < PairTransitions.Table.Count; i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Every_table_row_fires_as_declared(int index)
    {
        var row = PairTransitions.Table[index];
        var time = new FakeTimeProvider(ClusterBuilder.Now);
        var machine = PairStateMachine.Create("datanode1", row.From, AllGuardsHold, time);

        var transition = machine.Fire(row.Trigger);

        if (row.To is null)
        {
            Assert.Null(transition);
            Assert.Equal(row.From, machine.State);
            return;
        }
        Assert.NotNull(transition);
        Assert.Equal(new PairTransition("datanode1", ClusterBuilder.Now, row.From, row.To.Value, row.Trigger, row.Reason), transition);
        Assert.Equal(row.To, machine.State);
    }

    [Fact]
    public void Table_has_one_row_per_state_and_trigger()
    {
        var duplicates = PairTransitions.Table.GroupBy(r => (r.From, r.Trigger)).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Every_observation_is_expected_in_every_state_and_leads_where_reality_says()
    {
        var conditions = Enum.GetValues<ObservedCondition>().Where(c => PairTransitions.TriggerFor(c) is not null).ToArray();
        Assert.Equal(7, conditions.Length);
        foreach (var state in Enum.GetValues<PairState>())
        {
            foreach (var condition in conditions)
            {
                var trigger = PairTransitions.TriggerFor(condition)!.Value;
                var machine = PairStateMachine.Create("datanode1", state, PairGuardFacts.None, TimeProvider.System);
                Assert.True(machine.WhyNot(trigger) is null, $"{trigger} in {state}: {machine.WhyNot(trigger)}");

                var transition = machine.Fire(trigger);

                // Either nothing changes (a Stay row) or the pair ends where the observation alone puts it.
                if (transition is not null)
                    Assert.True(PairTransitions.StateFor(condition) == machine.State, $"{trigger} in {state} went to {machine.State}");
            }
        }
    }

    [Fact]
    public void Sub_states_inherit_the_rows_of_degraded()
    {
        var machine = PairStateMachine.Create("datanode1", PairState.DegradedMasterLost, AllGuardsHold, TimeProvider.System);

        var transition = machine.Fire(PairTrigger.ObservedSync);

        Assert.Equal(PairState.Sync, transition!.To);
        Assert.Equal("The pair recovered: the slave streams as the synchronous standby", transition.Reason);
        Assert.True(machine.CanFire(PairTrigger.PromoteCompleted));
    }

    [Fact]
    public void Unexpected_trigger_gives_why_not_and_changes_nothing()
    {
        var machine = PairStateMachine.Create("datanode1", PairState.Sync, AllGuardsHold, TimeProvider.System);

        var whyNot = machine.WhyNot(PairTrigger.SlaveRebuilt);

        Assert.NotNull(whyNot);
        Assert.StartsWith("SlaveRebuilt is not expected while datanode1 is sync", whyNot);
        Assert.Contains("AsyncEnabled", whyNot);
        var ex = Assert.Throws<PairTransitionNotPermittedException>(() => machine.Fire(PairTrigger.SlaveRebuilt));
        Assert.Equal(whyNot, ex.Message);
        Assert.Equal(PairState.Sync, machine.State);
    }

    [Fact]
    public void Failing_guard_is_named_in_the_why_not()
    {
        var machine = PairStateMachine.Create("datanode1", PairState.DegradedSlaveLost,
            new PairGuardFacts(SlaveStreaming: false, SlaveInSync: false, MasterWritable: true), TimeProvider.System);

        Assert.Equal("SyncEnabled is not possible while datanode1 is degraded (slave lost): it needs the slave is streaming.",
            machine.WhyNot(PairTrigger.SyncEnabled));
        Assert.Contains("the old master no longer takes writes", machine.WhyNot(PairTrigger.PromoteCompleted));

        machine.Facts = machine.Facts with { SlaveStreaming = true };
        Assert.Null(machine.WhyNot(PairTrigger.SyncEnabled));
        Assert.Equal(PairState.Sync, machine.Fire(PairTrigger.SyncEnabled)!.To);
    }

    [Fact]
    public void State_is_stored_outside_the_machine()
    {
        var stored = PairState.Async;
        var machine = new PairStateMachine("datanode1", () => stored, s => stored = s, AllGuardsHold, TimeProvider.System);

        machine.Fire(PairTrigger.ObservedSlaveLost);
        Assert.Equal(PairState.DegradedSlaveLost, stored);

        stored = PairState.Promoted; // the store changed underneath: the machine follows it
        Assert.Equal(PairState.Promoted, machine.State);
    }

    [Fact]
    public void Diagrams_contain_every_state()
    {
        var mermaid = PairStateMachine.ToMermaid();
        var dot = PairStateMachine.ToDotGraph();

        Assert.StartsWith("stateDiagram-v2", mermaid.TrimStart());
        Assert.StartsWith("digraph", dot.TrimStart());
        foreach (var state in Enum.GetNames<PairState>())
        {
            Assert.Contains(state, mermaid);
            Assert.Contains(state, dot);
        }
        Assert.Contains("the slave is streaming", dot);
    }
}
