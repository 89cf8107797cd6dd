using Stateless;
using Stateless.Graph;

namespace PgxcBot.Core.Pairs;

/// <summary>
/// The life of one datanode pair, configured from <see cref="PairTransitions.Table"/>. The state lives
/// outside the machine (Stateless external storage): the caller's store stays the source of truth, and
/// the machine only decides whether a trigger moves it and why.
/// </summary>
public sealed class PairStateMachine
{
    private readonly StateMachine<PairState, PairTrigger> _machine;
    private readonly Func<PairState> _read;
    private readonly TimeProvider _time;

    /// <summary>A machine whose state is read and written through the given accessors.</summary>
    public PairStateMachine(string datanode, Func<PairState> readState, Action<PairState> writeState,
        PairGuardFacts facts, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datanode);
        ArgumentNullException.ThrowIfNull(readState);
        ArgumentNullException.ThrowIfNull(writeState);
        Datanode = datanode;
        Facts = facts ?? throw new ArgumentNullException(nameof(facts));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _read = readState;
        _machine = new StateMachine<PairState, PairTrigger>(readState, writeState);
        Configure(_machine, () => Facts);
    }

    /// <summary>A machine that keeps its state in itself, starting at <paramref name="initial"/>.</summary>
    public static PairStateMachine Create(string datanode, PairState initial, PairGuardFacts facts, TimeProvider time)
    {
        var holder = new StateHolder(initial);
        return new PairStateMachine(datanode, () => holder.State, s => holder.State = s, facts, time);
    }

    public string Datanode { get; }

    public PairState State => _read();

    /// <summary>What the guards look at; set it from the latest assessment before firing.</summary>
    public PairGuardFacts Facts { get; set; }

    /// <summary>True when <paramref name="trigger"/> is expected now (it may still change nothing).</summary>
    public bool CanFire(PairTrigger trigger) => _machine.CanFire(trigger);

    /// <summary>
    /// Fires <paramref name="trigger"/>. Returns the transition with the reason from the table, or null
    /// when the trigger is expected here and changes nothing. Throws
    /// <see cref="PairTransitionNotPermittedException"/> (message: <see cref="WhyNot"/>) when it is not
    /// permitted; the state is then unchanged.
    /// </summary>
    public PairTransition? Fire(PairTrigger trigger)
    {
        var from = State;
        if (WhyNot(trigger) is { } whyNot) throw new PairTransitionNotPermittedException(Datanode, from, trigger, whyNot);
        var rule = PairTransitions.Find(from, trigger);
        _machine.Fire(trigger);
        var to = State;
        if (to == from) return null;
        return new PairTransition(Datanode, _time.GetUtcNow(), from, to, trigger, rule?.Reason ?? $"{trigger} moved {Datanode} from {from} to {to}");
    }

    /// <summary>Null when <paramref name="trigger"/> is permitted now; otherwise a sentence saying why
    /// not: the guard that does not hold, or that the trigger is not expected in this state.</summary>
    public string? WhyNot(PairTrigger trigger)
    {
        if (_machine.CanFire(trigger, out var unmetGuards)) return null;
        var state = PairTransitions.Describe(State);
        if (unmetGuards is { Count: > 0 })
            return $"{trigger} is not possible while {Datanode} is {state}: it needs {string.Join(" and ", unmetGuards)}.";
        var possible = Enum.GetValues<PairTrigger>().Where(t => PairTransitions.Find(State, t)?.To is not null && _machine.CanFire(t)).ToArray();
        var list = possible.Length == 0 ? "nothing" : string.Join(", ", possible);
        return $"{trigger} is not expected while {Datanode} is {state}; what can change it now: {list}.";
    }

    /// <summary>The machine as a Mermaid state diagram, generated from the table.</summary>
    public static string ToMermaid() => MermaidGraph.Format(DiagramMachine().GetInfo(), null);

    /// <summary>The machine as a Graphviz (dot) digraph, generated from the table.</summary>
    public static string ToDotGraph() => UmlDotGraph.Format(DiagramMachine().GetInfo());

    private static StateMachine<PairState, PairTrigger> DiagramMachine()
    {
        var state = PairState.Sync;
        var machine = new StateMachine<PairState, PairTrigger>(() => state, s => state = s);
        Configure(machine, () => PairGuardFacts.None);
        return machine;
    }

    private static void Configure(StateMachine<PairState, PairTrigger> machine, Func<PairGuardFacts> facts)
    {
        foreach (var sub in PairTransitions.DegradedSubstates)
            machine.Configure(sub).SubstateOf(PairState.Degraded);

        foreach (var rule in PairTransitions.Table)
        {
            var config = machine.Configure(rule.From);
            if (rule.To is null)
                config.Ignore(rule.Trigger);
            else if (rule.Guard is { } guard)
                config.PermitIf(rule.Trigger, rule.To.Value, () => guard.Check(facts()), guard.Description);
            else
                config.Permit(rule.Trigger, rule.To.Value);
        }
    }

    private sealed class StateHolder(PairState initial)
    {
        public PairState State { get; set; } = initial;
    }
}

/// <summary>A trigger was fired where the table does not allow it; the message says why.</summary>
public sealed class PairTransitionNotPermittedException(string datanode, PairState state, PairTrigger trigger, string message)
    : InvalidOperationException(message)
{
    public string Datanode { get; } = datanode;
    public PairState State { get; } = state;
    public PairTrigger Trigger { get; } = trigger;
}
