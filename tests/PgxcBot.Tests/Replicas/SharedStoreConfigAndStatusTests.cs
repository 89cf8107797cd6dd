using PgxcBot.Core.Replicas;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Replicas;

public sealed class SharedStoreConfigAndStatusTests
{
    [Fact]
    public void Without_a_connection_string_the_store_is_sqlite_and_with_one_it_is_shared_with_a_default_lease_of_15_s()
    {
        var embedded = TestConfigs.Validate(TestConfigs.Minimal());
        Assert.Null(embedded.Topology!.SharedStore);

        var options = TestConfigs.Minimal();
        options["store"] = new JsonObject { ["connectionString"] = new JsonObject { ["env"] = "PGXCBOT_STORE" } };
        var shared = TestConfigs.Validate(options).Topology!.SharedStore!;
        Assert.Equal(("PGXCBOT_STORE", null, TimeSpan.FromSeconds(15)), (shared.ConnectionString.Env, shared.ReplicaId, shared.Lease));
    }

    [Theory]
    [InlineData("bot a", null, "store.replicaId")]
    [InlineData("", null, "store.replicaId")]
    [InlineData("bot-a", 1.0, "store.leaseSeconds")]
    [InlineData("bot-a", 301.0, "store.leaseSeconds")]
    public void A_bad_replica_id_or_lease_is_an_error_naming_the_field(string replica, double? lease, string field)
    {
        var options = TestConfigs.Minimal();
        options["store"] = new JsonObject { ["connectionString"] = new JsonObject { ["env"] = "PGXCBOT_STORE" }, ["replicaId"] = replica, ["leaseSeconds"] = lease };
        var report = TestConfigs.Validate(options);
        Assert.Null(report.Topology);
        Assert.Contains(report.Errors, e => e.Path == field);
    }

    [Fact]
    public void A_connection_string_given_by_value_is_refused_like_every_secret()
    {
        var options = TestConfigs.Minimal();
        options["store"] = new JsonObject { ["connectionString"] = new JsonObject() };
        var report = TestConfigs.Validate(options);
        Assert.Contains(report.Errors, e => e.Path.StartsWith("store.connectionString", StringComparison.Ordinal));
    }

    [Fact]
    public void The_status_line_says_which_replica_is_active_since_when_and_each_ones_last_heartbeat()
    {
        var now = new DateTimeOffset(2026, 11, 30, 3, 12, 10, TimeSpan.Zero);
        var status = new LeadershipStatus("bot-b", false, "bot-a", 2, now.AddMinutes(-5), now.AddSeconds(10),
            [new ReplicaHeartbeat("bot-a", "active", now.AddSeconds(-0.8), 2), new ReplicaHeartbeat("bot-b", "standby", now.AddSeconds(-0.2), null)]);
        Assert.Equal("replica bot-b is standby; active: bot-a since 2026-11-30T03:07:10Z (lease epoch 2); last heartbeats: bot-a 0.8 s ago, bot-b 0.2 s ago",
            LeadershipText.Describe(status, now));

        var expired = status with { ExpiresAt = now.AddSeconds(-3) };
        Assert.Contains("the lease of bot-a (epoch 2) expired 3.0 s ago: no replica is active", LeadershipText.Describe(expired, now));
        Assert.StartsWith("replica solo is active; active: solo since", LeadershipText.Describe(LeadershipStatus.Single("solo", now), now));
    }
}
