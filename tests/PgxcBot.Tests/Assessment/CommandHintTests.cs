using PgxcBot.Core.Servers;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Assessment;

/// <summary>The pg_ctl lines a pair's findings tell a person to type are PgCtl's by-hand forms, for every flavor:
/// the datanode-mode rule (-Z datanode on Postgres-XC and -XL) exists once.</summary>
public class CommandHintTests
{
    public static TheoryData<Flavor> Flavors => [Flavor.PostgresXc, Flavor.PostgresXl, Flavor.PostgreSql];

    private static PairAssessment Assess(ClusterBuilder b, Flavor flavor) =>
        ClusterAssessor.Assess(b.Topology() with { Flavor = flavor }, b.Snapshot(), null).Pairs[0];

    private static string Mode(Flavor flavor) => flavor == Flavor.PostgreSql ? "" : " -Z datanode";

    [Theory, MemberData(nameof(Flavors))]
    public void The_split_brain_stop_hint_is_what_PgCtl_renders(Flavor flavor)
    {
        var b = new ClusterBuilder();
        b.Pair().Slave = b.Pair().Slave with { InRecovery = false, Standby = null, Timeline = 2 };
        var stop = new PgCtl(flavor).StopByHand(b.Pair().Config.Master, StopMode.Fast).Text;

        Assert.Equal($"pg_ctl stop{Mode(flavor)} -m fast -D /home/postgresxc/pgxc/datanode", stop);
        Assert.Equal($"Stop node01:20006 now ({stop} on node01) so that only one server takes writes, then /pgxc status", Assess(b, flavor).Remedy);
    }

    [Theory, MemberData(nameof(Flavors))]
    public void The_promote_by_hand_hint_is_what_PgCtl_renders(Flavor flavor)
    {
        var b = new ClusterBuilder();
        b.Pair().Master = b.Pair().Master with
        {
            InRecovery = true,
            Replication = [],
            Standby = new StandbyFacts(Lsn.Parse("0/31000000"), Lsn.Parse("0/31000000"), TimeSpan.Zero, null, null, null),
        };
        var promote = new PgCtl(flavor).PromoteByHand(b.Pair().Config.Master).Text;

        Assert.Equal($"pg_ctl promote{Mode(flavor)} -D /home/postgresxc/pgxc/datanode", promote);
        Assert.Equal($"node01:20006 has more WAL (0/31000000 vs 0/30000000): promote it by hand ({promote} on node01), then /pgxc status", Assess(b, flavor).Remedy);
    }

    [Theory, MemberData(nameof(Flavors))]
    public void The_restart_hint_for_a_renamed_slave_is_what_PgCtl_renders(Flavor flavor)
    {
        var b = new ClusterBuilder();
        b.Pair().Row = b.Pair().Row with { ApplicationName = "dn1_replica", SyncState = "async" };
        var restart = new PgCtl(flavor).RestartByHand(b.Pair().Config.Slave!, StopMode.Fast).Text;

        Assert.Equal($"pg_ctl restart{Mode(flavor)} -m fast -D /home/postgresxc/pgxc/datanode1_slave", restart);
        var fix = Assert.Single(Assess(b, flavor).Problems, p => p.Code == ProblemCodes.SlaveNameMismatch).NextStep;
        Assert.Contains($"then restart the slave ({restart}); then /pgxc sync datanode1", fix);
    }

    [Fact]
    public void The_xl_feedback_hint_reloads_as_PgCtl_renders_it_by_hand()
    {
        var b = new ClusterBuilder();
        b.Pair().Row = b.Pair().Row with { BackendXmin = 563 };
        var reload = new PgCtl(Flavor.PostgresXl).ReloadByHand(b.Pair().Config.Slave!).Text;

        Assert.Equal("pg_ctl reload -D /home/postgresxc/pgxc/datanode1_slave", reload);
        var fix = Assert.Single(Assess(b, Flavor.PostgresXl).Problems, p => p.Code == ProblemCodes.XlStandbyFeedback).NextStep;
        Assert.EndsWith($"then {reload}", fix);
    }
}
