using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Tests.Pairs;

namespace PgxcBot.Tests.Assessment;

/// <summary>The rules of the WAL-retention and prepared-transaction watch, and pgxc_clean's rule.</summary>
public class WatchTests
{
    private const long Segment = 16L << 20;

    private static WalFacts Wal(long? onDisk = null, IReadOnlyList<ReplicationSlotFacts>? slots = null, ArchiverFacts? archiver = null,
        string archiveMode = "off", string current = "000000010000000000000040") =>
        new(Segment, 64L << 20, 1L << 30, onDisk, current, archiveMode, slots ?? [], archiver);

    private static ClusterAssessment With(WalFacts wal, IReadOnlyList<PreparedTransaction>? prepared = null, Action<ClusterBuilder>? more = null)
    {
        var b = new ClusterBuilder(2);
        b.Pair().Master = b.Pair().Master with { Wal = wal, Prepared = prepared ?? [] };
        more?.Invoke(b);
        return b.Assess();
    }

    private static readonly Lsn Head = ClusterBuilder.Head;

    [Fact]
    public void An_inactive_slot_warns_from_one_segment_and_is_critical_past_the_threshold_an_active_one_only_past_the_warning()
    {
        var small = new ReplicationSlotFacts("old", "physical", false, new Lsn(Head.Value - (ulong)Segment), null, null);
        var problem = Assert.Single(With(Wal(slots: [small])).AllProblems, p => p.Code == ProblemCodes.WalSlotRetaining);
        Assert.Equal(Severity.Warning, problem.Severity);
        Assert.Contains("inactive replication slot 'old' (physical) holds 16 MB", problem.Sentence);

        var huge = small with { RestartLsn = new Lsn(0x10000) }; // 768 MB behind the master's 0/30000000
        var strict = With(Wal(slots: [huge]), more: b => b.Monitor = b.Monitor with { WalRetainedCriticalBytes = 512L << 20 });
        Assert.Equal(Severity.Critical, strict.AllProblems.Single(p => p.Code == ProblemCodes.WalSlotRetaining).Severity);

        var activeSmall = small with { Active = true };
        Assert.DoesNotContain(With(Wal(slots: [activeSmall])).AllProblems, p => p.Code == ProblemCodes.WalSlotRetaining);

        var lost = small with { WalStatus = "lost" };
        var gone = With(Wal(slots: [lost])).AllProblems.Single(p => p.Code == ProblemCodes.WalSlotRetaining);
        Assert.Equal(Severity.Critical, gone.Severity);
        Assert.Contains("has lost WAL it still needed", gone.Sentence);
    }

    [Fact]
    public void Failing_archiving_is_reported_with_what_it_keeps_and_the_directory_size_names_every_cause()
    {
        var archiver = new ArchiverFacts("000000010000000000000010", ClusterBuilder.Now.AddHours(-1), "000000010000000000000011", ClusterBuilder.Now.AddMinutes(-1), 42, null);
        var assessed = With(Wal(onDisk: 2L << 30, archiver: archiver, archiveMode: "on"));
        var failing = Assert.Single(assessed.AllProblems, p => p.Code == ProblemCodes.WalArchivingFailing);
        Assert.Contains("archive_command fails", failing.Sentence);
        Assert.Contains("752 MB so far", failing.Sentence); // 0x40 - 0x10 - 1 = 47 segments of 16 MB
        var directory = Assert.Single(assessed.AllProblems, p => p.Code == ProblemCodes.WalRetained);
        Assert.Equal(Severity.Warning, directory.Severity);
        Assert.Contains("archiving, 752 MB not archived", directory.Sentence);
        Assert.Contains("wal_keep keeps 64 MB", directory.Sentence);
        // One incident for all of it.
        Assert.Equal(Severity.Warning, Assert.Single(AlertRules.From(assessed), c => c.Kind == AlertKinds.WalRetention).Severity);

        var quiet = With(Wal(onDisk: 100L << 20, archiver: archiver with { LastArchivedAt = ClusterBuilder.Now }, archiveMode: "on"));
        Assert.DoesNotContain(quiet.AllProblems, p => AlertRules.KindOf(p.Code) == AlertKinds.WalRetention);
    }

    [Fact]
    public void Prepared_transactions_past_the_threshold_are_listed_with_the_datanodes_they_are_prepared_on()
    {
        var stuck = new PreparedTransaction("_$XC$77", "1234", ClusterBuilder.Now.AddMinutes(-5), "app", "shop") { Age = TimeSpan.FromMinutes(5) };
        var young = new PreparedTransaction("_$XC$78", "1235", ClusterBuilder.Now, "app", "shop") { Age = TimeSpan.FromMilliseconds(20) };
        var assessed = With(Wal(), [stuck, young], b => b.Pair("datanode2").Master = b.Pair("datanode2").Master with { Prepared = [stuck] });
        var problem = Assert.Single(assessed.Pairs[0].Problems, p => p.Code == ProblemCodes.PreparedTransactionStuck);
        Assert.Equal(Severity.Warning, problem.Severity);
        Assert.Contains("1 prepared transaction(s) older than", problem.Sentence);
        Assert.Contains("'_$XC$77'", problem.Sentence);
        Assert.Contains("also prepared on datanode2", problem.Sentence);
        Assert.DoesNotContain("_$XC$78", problem.Sentence);
        Assert.Equal("/pgxc resolve-2pc datanode1", problem.Command);
        Assert.Equal("/pgxc resolve-2pc datanode1", assessed.Pairs[0].Advice!.Next!.Command);

        var explicitOnly = new PreparedTransaction("batch_9", "99", ClusterBuilder.Now.AddMinutes(-20), "etl", "dw") { Age = TimeSpan.FromMinutes(20) };
        var manual = With(Wal(), [explicitOnly]).Pairs[0].Problems.Single(p => p.Code == ProblemCodes.PreparedTransactionStuck);
        Assert.Equal(Severity.Critical, manual.Severity);
        Assert.Null(manual.Command);
        Assert.StartsWith("a client prepared 'batch_9' itself", manual.NextStep);
    }

    private static TwoPhaseParticipant P(string dn, TwoPhaseStatus status) => new(dn, status, "test");

    public static TheoryData<string, TwoPhaseStatus[], TwoPhaseOutcome> Rule() => new()
    {
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Committed], TwoPhaseOutcome.Commit },
        { "client", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Committed], TwoPhaseOutcome.Commit },
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Aborted], TwoPhaseOutcome.Rollback },
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Committed, TwoPhaseStatus.Aborted], TwoPhaseOutcome.Refuse },
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Unreachable], TwoPhaseOutcome.Refuse },
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Prepared, TwoPhaseStatus.Unknown], TwoPhaseOutcome.Leave },
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Prepared], TwoPhaseOutcome.Leave },
        { "_$XC$1", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Unknown, TwoPhaseStatus.Committed], TwoPhaseOutcome.Commit },
        { "client", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Aborted, TwoPhaseStatus.Unknown], TwoPhaseOutcome.Rollback },
        { "client", [TwoPhaseStatus.Prepared, TwoPhaseStatus.Unknown], TwoPhaseOutcome.Leave },
        { "_$XC$1", [TwoPhaseStatus.Unknown, TwoPhaseStatus.Committed], TwoPhaseOutcome.Leave },
    };

    [Theory]
    [MemberData(nameof(Rule))]
    public void Pgxc_clean_rule(string gid, TwoPhaseStatus[] statuses, TwoPhaseOutcome expected)
    {
        var txn = new PreparedTransaction(gid, "5", ClusterBuilder.Now, "app", "shop");
        var decision = TwoPhaseRule.Decide(txn, statuses.Select((s, i) => P($"datanode{i + 1}", s)).ToArray());
        Assert.Equal(expected, decision.Outcome);
    }

    [Fact]
    public void Wal_segment_numbers_count_across_log_files()
    {
        var wal = Wal();
        Assert.Equal(0x100 + 0x02, wal.SegmentNumber("000000010000000100000002"));
        Assert.Equal(3 * Segment, (Wal(current: "000000010000000100000002") with
        {
            Archiver = new ArchiverFacts("0000000100000000000000FE", null, null, null, 0, null),
        }).ArchivePendingBytes);
    }
}
