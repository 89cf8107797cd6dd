namespace PgxcBot.IntegrationTests.Operations;

/// <summary>A test class with its own lab (a sync pair, sshd, two coordinators, the bot) per test.</summary>
public abstract class OperationLabTest : IAsyncLifetime
{
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));

    protected OperationHarness Lab { get; private set; } = null!;
    protected CancellationToken Ct => _timeout.Token;

    public async Task InitializeAsync() => Lab = await OperationHarness.StartAsync(LabReplicationMode.Sync, Ct);

    public async Task DisposeAsync()
    {
        await Lab.DisposeAsync();
        _timeout.Dispose();
    }

    /// <summary>
    /// kill -9 of the master once the slave has flushed all the master flushed, then polls until the bot sees it lost
    /// (as the monitor would). For tests about what follows the death, not about loss: WAL the slave never got (a
    /// commit in flight at the kill) makes the bot rightly demand --accept-data-loss.
    /// </summary>
    protected async Task<ClusterAssessment> KillMasterAsync()
    {
        await Lab.Pair.WaitForSlaveToHaveAllTheMasterFlushedAsync(Deadline, Ct);
        await Lab.Pair.Master.KillAsync(Ct);
        return await Support.Poll.UntilAsync(() => Lab.ObserveAsync(Ct), a => a.Pairs[0].Condition == ObservedCondition.MasterLost,
            Deadline, "the master to be seen lost", Ct);
    }

    protected static string Explain(Operation operation) =>
        $"{operation.State}: {operation.Result}\n" + string.Join('\n', operation.Steps.Select(s => $"  {s.StepId}: {s.Status} {s.Summary} {s.Output}"));
}
