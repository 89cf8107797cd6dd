using PgxcBot.Tests.Assessment;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Monitoring;

/// <summary>Rounds the store could not take are merged with the next one: the last word on each key wins, every message is kept in order.</summary>
public sealed class MonitorRoundTests
{
    private static AsyncSwitchRecord SwitchedToAsync(string datanode) =>
        new(datanode, AsyncSwitchPhase.SwitchedToAsync, ClusterBuilder.Now, "test", ClusterBuilder.Now, null, null, null);

    private static OutboxEntry Message(string title) => OutboxEntry.New(ClusterBuilder.Now, "discord", OutboxKind.Alert, "k", ChatMessage.Simple(title, Severity.Info));

    [Fact]
    public void A_merge_keeps_every_message_in_order_and_the_last_change_of_each_pair()
    {
        var first = new MonitorRound([], [SwitchedToAsync("datanode1")], ["datanode2"], [Message("one")]);
        var second = new MonitorRound([], [SwitchedToAsync("datanode2")], ["datanode1"], [Message("two"), Message("three")]);

        var merged = MonitorRound.Merge([first], second);

        Assert.Equal(["one", "two", "three"], merged.Outbox.Select(e => e.Body.Title));
        Assert.Equal(["datanode2"], merged.AsyncSwitches.Select(d => d.Datanode)); // switched to async again after it ended
        Assert.Equal(["datanode1"], merged.EndedAsyncSwitches);                  // ended after it was switched to async
        Assert.True(MonitorRound.Merge([], new MonitorRound([], [], [], [])).IsEmpty);
    }
}
