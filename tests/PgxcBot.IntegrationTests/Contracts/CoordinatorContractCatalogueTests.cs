using System.Reflection;
using PgxcBot.Core.Servers;
using PgxcBot.Postgres;

namespace PgxcBot.IntegrationTests.Contracts;

/// <summary>
/// The catalogue cannot fall behind production: every statement builder of <see cref="NodeSql"/> and every
/// coordinator query of the probe SQL must be in it (or be named here as not a coordinator query), so a new
/// query fails this test until it gets its contract.
/// </summary>
public sealed class CoordinatorContractCatalogueTests
{
    /// <summary>Members that build no statement sent to a coordinator, and why.</summary>
    private static readonly Dictionary<string, string> NotCoordinatorQueries = new(StringComparer.Ordinal)
    {
        ["ProbeSql.Facts"] = "datanode masters and slaves only",
        ["ProbeSql.Replication"] = "datanode masters and slaves only",
        ["ProbeSql.Prepared"] = "datanode masters only (prepared transactions)",
        ["ProbeSql.Slots"] = "datanode masters only (replication slots)",
        ["ProbeSql.Wal"] = "datanode masters only (WAL retention)",
        ["ProbeSql.CommitWatch"] = "datanode masters only (the fast commit watch: SyncRep waiters and the slave's walsender)",
    };

    [Fact]
    public void Every_coordinator_statement_builder_is_in_the_catalogue()
    {
        // ProbeSql is internal to PgxcBot.Postgres: found by name, its members by reflection.
        var probeSql = typeof(NpgsqlClusterObserver).Assembly.GetType("PgxcBot.Postgres.ProbeSql", throwOnError: true)!;
        var builders = Members(typeof(NodeSql)).Concat(Members(probeSql)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("NodeSql.VerifyIdentity", builders);
        Assert.Contains("ProbeSql.PgxcNodes", builders);

        var catalogued = CoordinatorQueryCatalogue.All.SelectMany(q => q.Builders).ToHashSet(StringComparer.Ordinal);
        var missing = builders.Except(catalogued).Except(NotCoordinatorQueries.Keys).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0,
            $"Not in CoordinatorQueryCatalogue: {string.Join(", ", missing)}. Add a contract entry (run on the simulator and real XC/XL), " +
            "or list the member in NotCoordinatorQueries with the reason.");
        Assert.Empty(catalogued.Except(builders));
        Assert.Equal(CoordinatorQueryCatalogue.All.Count, CoordinatorQueryCatalogue.All.Select(q => q.Id).Distinct().Count());
    }

    private static IEnumerable<string> Members(Type type) =>
        type.GetMembers(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is FieldInfo or MethodInfo { IsSpecialName: false })
            .Select(m => $"{type.Name}.{m.Name}")
            .Distinct();
}
