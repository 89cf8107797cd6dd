using System.Diagnostics.Metrics;

namespace PgxcBot.Tests.Support;

/// <summary>Meters for one test, disposed with it (the monitor's metrics need a factory).</summary>
internal sealed class TestMeters : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
