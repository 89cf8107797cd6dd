using System.Globalization;
using System.Text.RegularExpressions;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Remote;

namespace PgxcBot.Core.Servers;

/// <summary>
/// One shell command per host that shows, for each data directory given, whether its postmaster runs (the
/// pid in postmaster.pid is alive and not a zombie), its children's process titles, and pg_controldata.
/// The script is constant; the pg_controldata path and the directories reach it only as arguments.
/// What the titles say was measured: a Postgres-XC/XL standby's WAL receiver reads
/// <c>postgres: wal receiver process   streaming 0/3002898</c>; a 9.x backend whose commit waits for a
/// synchronous standby ends its title with <c>waiting for 0/3000058</c> (SyncRepWaitForLSN). Where no
/// server runs in the directory (a dead master), or a standby's WAL receiver shows no position (it exits
/// when its master dies), the end of the WAL on disk is read with pg_waldump (pg_xlogdump on 9.x): its last
/// line names where the valid WAL ends ("invalid record length at 0/3005A40", measured on a stock XL
/// standby): all a dead master wrote, or all a standby received. The newest segment by name is often not
/// the one: a checkpoint recycles old segments under future names (measured on PostgreSQL 15: WAL ending in
/// segment 8 with 9 and A recycled, pg_waldump of A says "could not find a valid record after 0/A000000"),
/// so segments are tried newest first until one holds valid WAL.
/// </summary>
public static partial class ProcessList
{
    /// <summary>How many segments, newest first, are tried for the end of the WAL: more than a checkpoint
    /// recycles ahead at the default min_wal_size (80 MB, five 16 MB segments).</summary>
    public const int SegmentsTried = 16;

    /// <summary>The segment size when pg_controldata does not say it: the default of every supported version.</summary>
    private const long DefaultSegmentSize = 16 * 1024 * 1024;

    public static ShellCommand Command(string? binDir, IReadOnlyList<string> dataDirs)
    {
        var bin = binDir is null ? "" : binDir.TrimEnd('/') + "/";
        return ShellCommand.Of("sh", [
            "-c",
            "cd / 2>/dev/null; tool=\"$1\"; dump=\"$2\"; olddump=\"$3\"; shift 3; " +
            "for d in \"$@\"; do printf '@@dir %s\\n' \"$d\"; kids=''; " +
            "pid=$(head -n 1 \"$d/postmaster.pid\" 2>/dev/null); " +
            "case \"$pid\" in ''|*[!0-9]*) echo '@@postmaster none';; " +
            "*) st=$(ps -o stat= -p \"$pid\" 2>/dev/null); " +
            "case \"$st\" in ''|Z*) echo '@@postmaster none';; " +
            "*) echo \"@@postmaster $pid\"; kids=$(ps -o args= --ppid \"$pid\" 2>/dev/null); printf '%s\\n' \"$kids\" | sed 's/^/@@child /';; esac;; esac; " +
            "LC_ALL=C \"$tool\" \"$d\" 2>/dev/null | sed 's/^/@@cd /'; " +
            "if [ -z \"$kids\" ] || { printf '%s' \"$kids\" | grep -q 'startup' && ! printf '%s' \"$kids\" | grep -qE 'receiver.* [0-9A-Fa-f]+/[0-9A-Fa-f]+ *$'; }; then " +
            "w=\"$d/pg_wal\"; [ -d \"$w\" ] || w=\"$d/pg_xlog\"; " +
            "x=\"$dump\"; command -v \"$x\" >/dev/null 2>&1 || x=\"$olddump\"; " +
            "for s in $(ls \"$w\" 2>/dev/null | grep -E '^[0-9A-F]{24}$' | sort -r | head -n " + SegmentsTried.ToString(CultureInfo.InvariantCulture) + "); do " +
            "e=$(LC_ALL=C \"$x\" -p \"$w\" \"$s\" 2>&1 | tail -n 1); " +
            "case \"$e\" in *'could not find a valid record'*) continue;; esac; printf '@@walend %s\\n' \"$e\"; break; done; fi; done",
            "pgxcbot-process-list", bin + "pg_controldata", bin + "pg_waldump", bin + "pg_xlogdump", .. dataDirs]);
    }

    /// <summary>Splits the command's output into facts per data directory (directories missing from the output get none).</summary>
    public static IReadOnlyDictionary<string, ProcessFacts> Parse(string output, TimeSpan elapsed)
    {
        var result = new Dictionary<string, ProcessFacts>(StringComparer.Ordinal);
        string? dir = null;
        bool? running = null;
        int? pid = null;
        WalReceiverTitle? receiver = null;
        Lsn? walEnd = null;
        var waiters = 0;
        var control = new List<string>();

        void Flush()
        {
            if (dir is null) return;
            result[dir] = new ProcessFacts(running, pid, receiver, running == true ? waiters : null,
                control.Count == 0 ? null : ControlData.Parse(string.Join('\n', control)), null, elapsed) { WalEnd = walEnd };
        }

        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("@@dir ", StringComparison.Ordinal))
            {
                Flush();
                dir = line[6..];
                (running, pid, receiver, waiters, walEnd) = (null, null, null, 0, null);
                control.Clear();
            }
            else if (line.StartsWith("@@postmaster ", StringComparison.Ordinal))
            {
                var value = line[13..].Trim();
                running = value != "none";
                pid = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
            }
            else if (line.StartsWith("@@child ", StringComparison.Ordinal))
            {
                var title = line[8..];
                if (WalReceiver().Match(title) is { Success: true } r)
                    receiver = new WalReceiverTitle(r.Groups["state"].Value, Lsn.TryParse(r.Groups["lsn"].Value, out var l) ? l : null);
                else if (SyncRepWait().IsMatch(title)) waiters++;
            }
            else if (line.StartsWith("@@cd ", StringComparison.Ordinal))
            {
                control.Add(line[5..]);
            }
            else if (line.StartsWith("@@walend ", StringComparison.Ordinal))
            {
                walEnd = WalEndOf(line, control);
            }
        }
        Flush();
        return result;
    }

    [GeneratedRegex(@"wal ?receiver(?: process)?\s*(?<state>[a-z]*)\s*(?<lsn>[0-9A-Fa-f]+/[0-9A-Fa-f]+)?\s*$")]
    private static partial Regex WalReceiver();

    /// <summary>Where pg_waldump's closing error puts the end of the valid WAL. Inside a page: "error in WAL
    /// record at A: invalid record length at B: ..." — it ends at B. At a page that holds older WAL (a
    /// recycled segment): "... unexpected pageaddr P in log segment S, offset O" — it ends at that page,
    /// segment S's start plus O. Null for anything else.</summary>
    /// <param name="control">pg_controldata's lines, for the segment size ("Bytes per WAL segment").</param>
    public static Lsn? WalEndOf(string line, IReadOnlyList<string> control)
    {
        if (WalEnd().Match(line) is { Success: true } end && Lsn.TryParse(end.Groups["lsn"].Value, out var lsn)) return lsn;
        if (WalEndAtPage().Match(line) is not { Success: true } page
            || !ulong.TryParse(page.Groups["offset"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var offset)) return null;
        var size = (ulong)(ControlData.Parse(string.Join('\n', control)).WalSegmentSize ?? DefaultSegmentSize);
        var segment = page.Groups["segment"].Value;
        var high = ulong.Parse(segment[8..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var low = ulong.Parse(segment[16..24], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        // The segment name's last two fields: the segment number divided by, and modulo, segments per 4 GiB.
        return new Lsn((high * (0x1_0000_0000UL / size) + low) * size + offset);
    }

    [GeneratedRegex(@"error in WAL record at [0-9A-Fa-f]+/[0-9A-Fa-f]+: .*? in log segment (?<segment>[0-9A-F]{24}), offset (?<offset>[0-9]+)")]
    private static partial Regex WalEndAtPage();

    /// <summary>"error in WAL record at A: ... at B" (invalid record length, checksum, contrecord): B.</summary>
    [GeneratedRegex(@"error in WAL record at [0-9A-Fa-f]+/[0-9A-Fa-f]+: .*? at (?<lsn>[0-9A-Fa-f]+/[0-9A-Fa-f]+)")]
    private static partial Regex WalEnd();

    [GeneratedRegex(@" waiting for [0-9A-Fa-f]+/[0-9A-Fa-f]+\s*$")]
    private static partial Regex SyncRepWait();
}
