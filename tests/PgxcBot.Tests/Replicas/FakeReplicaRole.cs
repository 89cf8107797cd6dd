using PgxcBot.Core.Replicas;

namespace PgxcBot.Tests.Replicas;

/// <summary>A replica's role as a test sets it: active or standby, and what the store says of the lease (bot-a active
/// since five minutes, both replicas heard from within the second, unless <see cref="Status"/> is replaced).</summary>
internal sealed class FakeReplicaRole(string replicaId, bool active, bool observer = false) : IReplicaRole
{
    public string ReplicaId => replicaId;
    public bool IsActive { get; set; } = active;
    public bool IsObserver => observer;
    public TimeSpan LeaseDuration => TimeSpan.FromSeconds(15);

    /// <summary>What the store answers; the default is read at each call, against the system clock.</summary>
    public Func<LeadershipStatus> Status { get; set; } = () => ActiveIsBotA(replicaId, active, DateTimeOffset.UtcNow);

    /// <summary>Thrown instead of answering (the store cannot be read).</summary>
    public Exception? Failure { get; set; }

    public Task<LeadershipStatus> ReadStatusAsync(CancellationToken cancellationToken) =>
        Failure is { } failure ? Task.FromException<LeadershipStatus>(failure) : Task.FromResult(Status());

    /// <summary>bot-a holds the lease (epoch 2) since <paramref name="now"/> - 5 min, valid 10 s more; bot-a and bot-b beat just now.</summary>
    public static LeadershipStatus ActiveIsBotA(string thisReplica, bool thisIsActive, DateTimeOffset now) =>
        new(thisReplica, thisIsActive, "bot-a", 2, now.AddMinutes(-5), now.AddSeconds(10),
            [new ReplicaHeartbeat("bot-a", "active", now.AddSeconds(-0.8), 2), new ReplicaHeartbeat("bot-b", "standby", now.AddSeconds(-0.2), null)]);

    public static StoreUnavailableException Unreadable() => new("the shared store (connection refused)", new InvalidOperationException("connection refused"));
}
