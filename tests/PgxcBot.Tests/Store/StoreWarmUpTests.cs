using PgxcBot.Core.Messages;
using PgxcBot.Store;

namespace PgxcBot.Tests.Store;

/// <summary>The serving bot's warm-up of the stores' JSON reaches the types an incident's documents hold, the step and
/// probe kinds a runbook is stored with included (declared as derived types in the store, not in the domain).</summary>
public sealed class StoreWarmUpTests
{
    [Fact]
    public void The_warm_up_prepares_every_stored_document_and_the_step_and_probe_kinds_they_hold()
    {
        var prepared = StoreWarmUp.PrepareDocuments();

        Assert.Contains(typeof(Operation), prepared);
        Assert.Contains(typeof(ChatMessage), prepared);
        Assert.Contains(typeof(Incident), prepared);
        Assert.Contains(typeof(StoredRoles), prepared);
        // Reached only through the polymorphism the store declares.
        Assert.Contains(typeof(RunSql), prepared);
        Assert.Contains(typeof(RunCommand), prepared);
        Assert.Contains(typeof(WalReceivedProbe), prepared);
        Assert.Contains(typeof(AllOf), prepared);
    }
}
