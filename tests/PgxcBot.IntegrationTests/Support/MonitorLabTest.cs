using PgxcBot.IntegrationTests.Monitoring;

namespace PgxcBot.IntegrationTests.Support;

/// <summary>
/// A test class whose tests each run on their own <see cref="MonitorLab"/> (real servers, the monitor as the host
/// wires it): every test has <paramref name="budget"/> in all (<see cref="Ct"/>), and the lab it started is
/// disposed after it, whether it passed or not, so no server outlives its test.
/// </summary>
public abstract class MonitorLabTest(TimeSpan budget) : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(budget);
    private MonitorLab? _lab;

    /// <summary>Ends when the test's budget is spent.</summary>
    protected CancellationToken Ct => _timeout.Token;

    /// <summary>Starts the test's lab (one per test): see <see cref="MonitorLab.StartAsync"/>.</summary>
    protected async Task<MonitorLab> StartLabAsync(LabReplicationMode mode, AlertSettings? alerts = null,
        Func<ClusterTopology, ClusterTopology>? adjust = null) =>
        _lab = await MonitorLab.StartAsync(mode, Ct, alerts, adjust);

    /// <summary>Starts the test's lab and lets the monitor poll it twice, so that what it remembers is the healthy
    /// lab before the test breaks anything (a test that needs the first polls themselves uses <see cref="StartLabAsync"/>).</summary>
    protected async Task<MonitorLab> StartSeenLabAsync(LabReplicationMode mode, AlertSettings? alerts = null)
    {
        var lab = await StartLabAsync(mode, alerts);
        await lab.PollsAsync(2, Ct);
        return lab;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Disposes the lab, then what <see cref="DisposeMoreAsync"/> adds, then the budget.</summary>
    public async Task DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        await DisposeMoreAsync();
        _timeout.Dispose();
    }

    /// <summary>What a test class started besides the lab (e.g. an sshd), disposed after the lab.</summary>
    protected virtual Task DisposeMoreAsync() => Task.CompletedTask;
}
