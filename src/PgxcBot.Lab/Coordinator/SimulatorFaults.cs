namespace PgxcBot.Lab.Coordinator;

/// <summary>Injected faults, shared by all sessions of one simulator. Thread-safe.</summary>
internal sealed class SimulatorFaults
{
    readonly Lock _lock = new();
    TimeSpan _delay;
    SimulatedError? _alterNodeError;
    int? _alterNodeRemaining;
    string? _alterNodeOn;

    public TimeSpan Delay
    {
        get { lock (_lock) return _delay; }
        set
        {
            if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(value), "Delay cannot be negative; use TimeSpan.Zero for none.");
            lock (_lock) _delay = value;
        }
    }

    public void FailAlterNode(SimulatedError error, int? times, string? onNode)
    {
        if (times is <= 0) throw new ArgumentOutOfRangeException(nameof(times), "times must be positive, or null for every ALTER NODE.");
        lock (_lock) (_alterNodeError, _alterNodeRemaining, _alterNodeOn) = (error, times, onNode);
    }

    public void ClearAlterNodeFailure()
    {
        lock (_lock) (_alterNodeError, _alterNodeRemaining, _alterNodeOn) = (null, null, null);
    }

    /// <summary>Returns the error to raise for an ALTER NODE running on <paramref name="node"/>, consuming one use.</summary>
    public SimulatedError? TakeAlterNodeFailure(string node)
    {
        lock (_lock)
        {
            if (_alterNodeError is null || (_alterNodeOn is not null && _alterNodeOn != node)) return null;
            var error = _alterNodeError;
            if (_alterNodeRemaining is { } remaining)
            {
                if (remaining == 1) ClearAlterNodeFailure();
                else _alterNodeRemaining = remaining - 1;
            }
            return error;
        }
    }
}
