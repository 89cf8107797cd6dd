namespace PgxcBot.Tests.Operations;

/// <summary>When a running operation's runner counts as gone, so that another process may mark it interrupted.</summary>
public sealed class OperationRunsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);

    private static Operation Running(string? runner, DateTimeOffset? lease) =>
        new Operation(7, "promote", "datanode1", OperationState.Running, OperationLab.Alice, Now, null, null, null, "plan",
            new Runbook("promote", "datanode1", "", [], [], []), [], null, []) { Runner = runner, LeaseExpiresAt = lease };

    [Theory]
    [InlineData("node03/41/aaaaaa", 30, false)]  // another host, claim still valid: alive as far as anyone can tell
    [InlineData("node03/41/aaaaaa", -1, true)]   // its lease lapsed
    [InlineData(null, 30, true)]                 // written by a bot that kept no runner
    [InlineData("node01/41/aaaaaa", 30, true)]   // this host, this pid, another nonce: an earlier incarnation (a restarted container)
    [InlineData("node01/42/aaaaaa", 30, true)]   // this host, a pid that no longer runs
    [InlineData("node01/43/aaaaaa", 30, false)]  // this host, a pid that runs
    public void A_runner_is_gone_when_its_lease_lapsed_or_its_process_on_this_host_is_known_to_be_gone(string? runner, int leaseSeconds, bool gone)
    {
        var runs = new OperationRuns("node01/41/bbbbbb", pid => pid == 43);
        Assert.Equal(gone, runs.IsAbandoned(Running(runner, Now.AddSeconds(leaseSeconds)), Now));
    }

    [Fact]
    public void This_process_own_run_is_abandoned_only_once_it_no_longer_runs_it()
    {
        var runs = new OperationRuns("node01/41/bbbbbb");
        var mine = Running("node01/41/bbbbbb", Now.AddSeconds(30));
        Assert.True(runs.IsAbandoned(mine, Now)); // stopped (the store failed): taken over at once, no lease to wait for
        Assert.False(runs.IsAbandoned(mine with { State = OperationState.Interrupted }, Now));
    }
}
