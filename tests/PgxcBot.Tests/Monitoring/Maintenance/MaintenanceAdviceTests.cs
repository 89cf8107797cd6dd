using PgxcBot.Core.Advice;
using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring.Maintenance;

/// <summary>The one next step of a pair in maintenance names the window (who set it, who approved it, why, until
/// when); other pairs, and pairs past their window's end, are advised as before.</summary>
public sealed class MaintenanceAdviceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgxcbot-maint-advice-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly Mute Window = new(3, "datanode1", null, "bob", "kernel update", ClusterBuilder.Now.AddMinutes(-10), ClusterBuilder.Now.AddHours(2))
    {
        ApprovedBy = "alice",
    };

    private static PairAdvice Advise(ClusterAssessment evidence, Mute? window)
    {
        var standing = PairStanding.None("datanode1") with { Maintenance = window };
        var advised = ClusterAdvisor.Apply(new ClusterBuilder().Topology(), evidence, new Dictionary<string, PairStanding> { ["datanode1"] = standing });
        return advised.Pairs.Single(p => p.Datanode == "datanode1").Advice!;
    }

    [Fact]
    public void The_next_step_of_a_pair_in_maintenance_says_who_why_and_until_when_and_keeps_its_button()
    {
        var lost = new ClusterBuilder().Async().SlaveKilled().Assess();
        var plain = Advise(lost, null).Next!;
        var inWindow = Advise(lost, Window).Next!;
        Assert.DoesNotContain("maintenance", plain.Text, StringComparison.Ordinal);
        Assert.Equal(plain.Command, inWindow.Command);
        Assert.Equal($"{plain.Text} (in maintenance of datanode1 until 2026-11-26 05:00 UTC, set by bob (approved by alice): kernel update; " +
                     "the bot takes no automatic action on datanode1 until it ends)", inWindow.Text);
    }

    [Fact]
    public void A_healthy_pair_in_maintenance_still_needs_nothing()
    {
        Assert.Null(Advise(new ClusterBuilder().Assess(), Window).Next);
    }

    [Fact]
    public async Task The_advice_source_reads_the_windows_in_force_and_ignores_one_past_its_end()
    {
        var time = new FakeTimeProvider(ClusterBuilder.Now);
        var store = await SqliteStore.OpenAsync(Path.Combine(_dir, "state.db"), null, default);
        var windows = new SqliteMaintenanceStore(store);
        await windows.SetMuteAsync(Window with { Subject = Mute.EveryDatanode }, default);
        var source = new AdviceSource(new MemoryOperationStore(), new MemoryPairStateStore(), time, windows);
        var topology = new ClusterBuilder().Topology();

        var standing = (await source.StandingsAsync(topology, default))["datanode1"];
        Assert.Equal("kernel update", standing.Maintenance?.Reason);
        var advised = await source.AdviseAsync(topology, new ClusterBuilder().Async().SlaveKilled().Assess(), default);
        Assert.Contains("in maintenance of the whole cluster until 2026-11-26 05:00 UTC, set by bob (approved by alice): kernel update", advised.Pairs[0].Advice!.Next!.Text);

        time.Advance(TimeSpan.FromHours(3));
        Assert.Null((await source.StandingsAsync(topology, default))["datanode1"].Maintenance);
    }
}
