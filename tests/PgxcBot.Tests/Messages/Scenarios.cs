namespace PgxcBot.Tests.Messages;

/// <summary>Assessments built by hand: the renderer only consumes the record types.</summary>
internal static class Scenarios
{
    public static readonly DateTimeOffset TakenAt = new(2026, 11, 26, 3, 0, 0, TimeSpan.Zero);

    private static ServerProbe Probe(string datanode, ServerRole role, string host, int port, ProbeStatus status = ProbeStatus.Ok) =>
        new(datanode, role, new ServerLocation(host, host, port, "/data"), status, null, TimeSpan.FromMilliseconds(3), null);

    private static CoordinatorProbe Coordinator(string name, string host, ProbeStatus status = ProbeStatus.Ok) =>
        new(name, host, 20004, status, null, TimeSpan.FromMilliseconds(2), "PostgreSQL 9.2 (Postgres-XC 1.2)", []);

    /// <summary>
    /// 3 a.m.: datanode1's master is down; coord1 still routes datanode1 to it (✗ — after a promote it
    /// would be wrong), coord2 does not answer; datanode2 is healthy.
    /// </summary>
    public static ClusterAssessment MasterLost()
    {
        var snapshot = new ClusterSnapshot(TakenAt, TimeSpan.FromMilliseconds(2040),
            [
                new PairObservation("datanode1", Probe("datanode1", ServerRole.Master, "node01", 20006, ProbeStatus.Timeout),
                    Probe("datanode1", ServerRole.Slave, "node02", 20010)),
                new PairObservation("datanode2", Probe("datanode2", ServerRole.Master, "node02", 20008),
                    Probe("datanode2", ServerRole.Slave, "node01", 20010)),
            ],
            [Coordinator("coord1", "node01"), Coordinator("coord2", "node02", ProbeStatus.Unreachable)]);

        var masterLost = new Problem("master-lost", Severity.Critical, "datanode1",
            "datanode1's master node01:20006 does not answer (timeout); its slave node02:20010 was in sync.",
            "/pgxc promote datanode1");
        var wrongRoute = new Problem("coordinator-mismatch", Severity.Warning, "datanode1",
            "coord1 routes datanode1 to node02:20099, which is not its master.",
            "/pgxc repoint datanode1");
        var coordinatorDown = new Problem("coordinator-unreachable", Severity.Warning, "coord2",
            "coord2 (node02:20004) does not answer: its routing cannot be checked.",
            "Check the coordinator process on node02.");

        return new ClusterAssessment(snapshot,
            [
                new PairAssessment("datanode1", ObservedCondition.MasterLost, Severity.Critical,
                    new ReplicationLag(null, TimeSpan.FromSeconds(4.2)), false, [masterLost]),
                new PairAssessment("datanode2", ObservedCondition.Sync, Severity.Ok,
                    new ReplicationLag(0, TimeSpan.Zero), false, []),
            ],
            [
                new CoordinatorView("coord1", "datanode1", "node02:20099", false),
                new CoordinatorView("coord1", "datanode2", "node02:20008", true),
                new CoordinatorView("coord2", "datanode1", null, false),
                new CoordinatorView("coord2", "datanode2", null, false),
            ],
            [wrongRoute, coordinatorDown]);
    }

    public static ClusterAssessment Healthy()
    {
        var snapshot = new ClusterSnapshot(TakenAt, TimeSpan.FromMilliseconds(12),
            [new PairObservation("datanode1", Probe("datanode1", ServerRole.Master, "node01", 20006),
                Probe("datanode1", ServerRole.Slave, "node02", 20010))],
            [Coordinator("coord1", "node01")]);
        return new ClusterAssessment(snapshot,
            [new PairAssessment("datanode1", ObservedCondition.Sync, Severity.Ok, new ReplicationLag(1536, TimeSpan.FromMilliseconds(300)), false, [])],
            [new CoordinatorView("coord1", "datanode1", "node01:20006", true)],
            []);
    }
}
