using PgxcBot.Core.Observation;
using PgxcBot.Core.Runbooks;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Contracts;

/// <summary>
/// The coordinators of one lab cluster as the bot reaches them: the production <see cref="NpgsqlSqlExecutor"/>
/// (runbook statements, text results) and <see cref="NpgsqlClusterObserver"/> (the status probe), on the
/// topology the lab's config describes.
/// </summary>
public sealed class ContractTarget : IAsyncDisposable
{
    /// <summary>The runbook steps' timeout for a repoint statement (RepointSteps).</summary>
    private static readonly TimeSpan StatementTimeout = TimeSpan.FromSeconds(15);

    private readonly NpgsqlSqlExecutor _executor;

    public ContractTarget(LabCluster cluster)
    {
        Cluster = cluster;
        Topology = cluster.ToTopology(MonitorSettings.Default);
        _executor = new NpgsqlSqlExecutor(Topology, new TestSecretResolver(), TimeProvider.System);
    }

    public LabCluster Cluster { get; }

    public ClusterTopology Topology { get; }

    /// <summary>
    /// The coordinator behaviour the bot expects here: the simulator stands for a Postgres-XL coordinator
    /// (the PostgreSQL lab plans XL's datanode-catalog steps), real clusters for their own flavor.
    /// </summary>
    public Flavor Behaves => Cluster.Flavor == Flavor.PostgreSql ? Flavor.PostgresXl : Cluster.Flavor;

    /// <summary>Coordinator <paramref name="index"/> (0-based) as a runbook step targets it.</summary>
    public SqlTarget Coordinator(int index)
    {
        var c = Cluster.AllCoordinators[index];
        return new SqlTarget(c.NodeName, c.Host, c.Port);
    }

    /// <summary>Runs one statement the way a runbook step does (autocommit, text results).</summary>
    public Task<SqlResult> RunAsync(SqlTarget target, string sql, CancellationToken cancellationToken) =>
        _executor.ExecuteAsync(target, sql, StatementTimeout, cancellationToken);

    /// <summary>Runs one statement that must be refused, and returns the refusal.</summary>
    public async Task<SqlExecutionException> RefusedAsync(SqlTarget target, string sql, CancellationToken cancellationToken)
    {
        var refused = await Assert.ThrowsAsync<SqlExecutionException>(() => RunAsync(target, sql, cancellationToken));
        Assert.False(refused.Unreachable, $"{sql}: expected an SQL error, got an unreachable server: {refused.Message}");
        return refused;
    }

    /// <summary>One status probe of the whole cluster, as the monitor takes it.</summary>
    public async Task<ClusterSnapshot> ObserveAsync(CancellationToken cancellationToken)
    {
        await using var observer = new NpgsqlClusterObserver(new TestSecretResolver(), TimeProvider.System,
            NullLogger<NpgsqlClusterObserver>.Instance);
        return await observer.ObserveAsync(Topology, cancellationToken);
    }

    public ValueTask DisposeAsync() => _executor.DisposeAsync();
}
