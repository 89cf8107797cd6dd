namespace PgxcBot.IntegrationTests.Support;

/// <summary>Topologies over lab pairs: everything on one local host, superuser without password.</summary>
public static class LabTopology
{
    public static MonitorSettings FastMonitor { get; } = MonitorSettings.Default with
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        CommandTimeout = TimeSpan.FromSeconds(2),
    };

    public static ClusterTopology For(IEnumerable<DatanodePair> datanodes, IEnumerable<Coordinator>? coordinators = null,
        MonitorSettings? monitor = null) => new(
        Flavor.PostgreSql,
        [new Host("localhost", "127.0.0.1", TransportKind.Local, 22, "pgxcbot-lab", null, null, null)],
        datanodes.ToArray(),
        (coordinators ?? []).ToArray(),
        new DatabaseCredentials("postgres", "postgres", Password: null),
        monitor ?? FastMonitor,
        StorePath: ":memory:");

    public static ClusterTopology For(params LabPair[] pairs) => For(pairs.Select(p => p.ToDatanodePair()));
}
