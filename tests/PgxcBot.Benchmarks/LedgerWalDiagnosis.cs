using Microsoft.Extensions.Logging.Abstractions;
using System.Text.RegularExpressions;

namespace PgxcBot.Benchmarks;

/// <summary>
/// For a promote that lost acknowledged rows: what the dead master's WAL says about the ledger table. Every
/// heap INSERT into the ledger's relfilenode is grouped by transaction id, and each transaction is classed by
/// the Transaction record pg_waldump shows for it (COMMIT, PREPARE, COMMIT_PREPARED, ABORT, or none). Compared
/// with the rows the new master shows directly, it tells "committed in WAL but not visible" (a visibility or
/// prepared-transaction problem) from "never committed on this datanode" (an acknowledgement no WAL holds).
/// </summary>
/// <remarks>Every segment in pg_wal is read on its own, in name order: a recycled segment (renamed ahead,
/// still holding old pages) yields no valid record and is skipped, so it cannot hide the others.</remarks>
internal static partial class LedgerWalDiagnosis
{
    [GeneratedRegex(@"tx:\s+(\d+), lsn: ([0-9A-F/]+),.*desc: (\S+)(.*)$")]
    private static partial Regex RecordLine();

    [GeneratedRegex(@"^[0-9A-F]{24}$")]
    private static partial Regex SegmentName();

    /// <summary>One line: per outcome the number of inserting transactions and rows, e.g.
    /// "COMMIT 118 xacts / 118 rows; none 1 xact / 1 row".</summary>
    /// <param name="waldump">The flavor's pg_waldump.</param>
    /// <param name="dataDir">The data directory whose pg_wal is read (read as root; the server may be dead).</param>
    /// <param name="relation">"tablespace/database/relfilenode", as pg_waldump prints block references.</param>
    public static async Task<string> DescribeAsync(string waldump, string dataDir, string relation, CancellationToken cancellationToken)
    {
        var inserts = new Dictionary<long, int>();
        // After a promote the new timeline's first segment is a copy of the old one's: count a record once.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var outcome = new Dictionary<long, string>();
        var walDir = Path.Combine(dataDir, "pg_wal");
        var segments = Directory.GetFiles(walDir).Select(Path.GetFileName).Where(n => n is not null && SegmentName().IsMatch(n)).Order(StringComparer.Ordinal).ToList();
        foreach (var segment in segments)
        {
            foreach (var line in await DumpAsync(waldump, walDir, segment!, cancellationToken))
            {
                var match = RecordLine().Match(line);
                if (!match.Success) continue;
                var xid = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                if (!seen.Add(match.Groups[2].Value)) continue;
                var desc = match.Groups[3].Value;
                if (line.Contains("rmgr: Heap ", StringComparison.Ordinal) && desc.StartsWith("INSERT", StringComparison.Ordinal)
                    && line.Contains("rel " + relation + " ", StringComparison.Ordinal))
                    inserts[xid] = inserts.GetValueOrDefault(xid) + 1;
                else if (line.Contains("rmgr: Transaction", StringComparison.Ordinal))
                    outcome[xid] = desc;
            }
        }
        var groups = inserts.GroupBy(kv => outcome.GetValueOrDefault(kv.Key, "none"))
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Count()} xacts / {g.Sum(kv => kv.Value)} rows"));
        return $"{segments.Count} segments read; " + (inserts.Count == 0 ? "no INSERT into " + relation : string.Join("; ", groups) + $" (xids {inserts.Keys.Min()}..{inserts.Keys.Max()})")
            + (inserts.Keys.Where(x => !outcome.ContainsKey(x) || outcome[x] != "COMMIT").Take(5).ToList() is { Count: > 0 } odd
                ? "; not plainly committed: xid " + string.Join(", ", odd.Select(x => $"{x} ({outcome.GetValueOrDefault(x, "none")})"))
                : "");
    }

    /// <summary>pg_waldump of one segment, as the lab runs programs; it exits non-zero where the valid WAL ends,
    /// which is expected here.</summary>
    private static async Task<string[]> DumpAsync(string waldump, string walDir, string segment, CancellationToken cancellationToken) =>
        (await new LabCommandRunner(null, NullLogger.Instance).RunRawAsync(waldump, ["-p", walDir, segment], walDir, allowFailure: true, cancellationToken))
            .StandardOutput.Split('\n');
}
