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
/// when its master dies), the end of the WAL on disk is read with pg_waldump (pg_xlogdump on 9.x) from the
/// newest segment: its last line names where the valid WAL ends ("invalid record length at 0/3005A40",
/// measured on a stock XL standby): all a dead master wrote, or all a standby received.
/// </summary>
public static partial class ProcessList
{
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
            "last=$(ls \"$w\" 2>/dev/null | grep -E '^[0-9A-F]{24}$' | sort | tail -n 1); " +
            "if [ -n \"$last\" ]; then x=\"$dump\"; command -v \"$x\" >/dev/null 2>&1 || x=\"$olddump\"; " +
            "LC_ALL=C \"$x\" -p \"$w\" \"$last\" 2>&1 | tail -n 1 | sed 's/^/@@walend /'; fi; fi; done",
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
            else if (line.StartsWith("@@walend ", StringComparison.Ordinal) && WalEnd().Match(line) is { Success: true } end
                     && Lsn.TryParse(end.Groups["lsn"].Value, out var endLsn))
            {
                walEnd = endLsn;
            }
        }
        Flush();
        return result;
    }

    [GeneratedRegex(@"wal ?receiver(?: process)?\s*(?<state>[a-z]*)\s*(?<lsn>[0-9A-Fa-f]+/[0-9A-Fa-f]+)?\s*$")]
    private static partial Regex WalReceiver();

    /// <summary>pg_waldump's closing error: "error in WAL record at A: invalid record length at B: ..." — the
    /// valid WAL ends at B, the last position the line names after the record's own.</summary>
    [GeneratedRegex(@"error in WAL record at [0-9A-Fa-f]+/[0-9A-Fa-f]+: .*? at (?<lsn>[0-9A-Fa-f]+/[0-9A-Fa-f]+)")]
    private static partial Regex WalEnd();

    [GeneratedRegex(@" waiting for [0-9A-Fa-f]+/[0-9A-Fa-f]+\s*$")]
    private static partial Regex SyncRepWait();
}
