using System.Globalization;
using PgxcBot.Core.Observation;

namespace PgxcBot.Core.Assessment;

/// <summary>
/// What the master's synchronous replication demands at the moment of one snapshot: which standbys can
/// confirm commits, whether commits can be confirmed at all (or wait forever), and whether the slave is
/// needed for every commit. "Needed for every commit" is what makes the slave hold every acknowledged
/// commit; it comes from the rule and from the WAL senders that are there, never from the name alone:
/// <list type="bullet">
/// <item>FIRST n: the n healthy matching standbys earliest in the list are synchronous, and a commit waits
/// for all of them (PostgreSQL docs, "synchronous_standby_names"); the slave is needed iff its own WAL
/// sender is one of them (sync_state = sync).</item>
/// <item>ANY n: a commit waits for any n of the matching standbys; the slave is needed iff fewer than n
/// others could confirm.</item>
/// <item>synchronous_commit = local or off: commits wait for no standby at all.</item>
/// </list>
/// </summary>
/// <param name="Rule">synchronous_standby_names as parsed.</param>
/// <param name="CommitsWait">synchronous_commit makes commits wait for standbys (on, remote_write, remote_apply).</param>
/// <param name="Available">Healthy (streaming, replying) WAL senders whose name the rule matches.</param>
/// <param name="SlaveNeeded">Every commit acknowledged now must have been confirmed by the slave.</param>
/// <param name="Why">A sentence with the evidence for <paramref name="SlaveNeeded"/>, yes or no.</param>
public sealed record SyncRequirement(
    SyncStandbyNames Rule,
    bool CommitsWait,
    IReadOnlyList<ReplicationRow> Available,
    bool SlaveNeeded,
    string Why)
{
    /// <summary>Fewer healthy standbys match the rule than it requires.</summary>
    public bool StandbysMissing => Rule.IsConfigured && Available.Count < Rule.Required;

    /// <summary>Commits wait for more standbys than can confirm them: every commit blocks until one comes back.</summary>
    public bool Unsatisfiable => StandbysMissing && CommitsWait;

    /// <summary>Judges <paramref name="master"/>'s setting against its WAL senders.</summary>
    /// <param name="healthy">Whether a WAL sender is streaming and still replying (not frozen).</param>
    public static SyncRequirement Evaluate(ServerFacts master, SlaveWalSender slave, Func<ReplicationRow, bool> healthy)
    {
        var rule = SyncStandbyNames.Parse(master.SynchronousStandbyNames);
        var commitsWait = master.SynchronousCommit is not ("off" or "local");
        var available = rule.IsConfigured
            ? master.Replication.Where(r => healthy(r) && rule.Includes(r.ApplicationName)).ToArray()
            : [];
        var setting = $"synchronous_standby_names = '{rule.Raw}'";

        (bool Needed, string Why) Judge()
        {
            if (!rule.IsValid) return (false, $"{setting} is not understood ({rule.Error})");
            if (!rule.IsConfigured) return (false, "synchronous_standby_names is empty: commits wait for no standby");
            if (!commitsWait) return (false, $"synchronous_commit = {master.SynchronousCommit}: commits wait for no standby");
            if (slave.Row is not { } row || !slave.Identified) return (false, $"the slave's WAL sender is not identified ({slave.How})");
            if (!healthy(row)) return (false, $"the slave's WAL sender is {row.State} and not replying");
            if (!rule.Includes(row.ApplicationName)) return (false, $"{setting} does not list '{row.ApplicationName}', the name the slave streams as");
            if (rule.Method == SyncMethod.First)
            {
                if (row.SyncState == "sync")
                    return (true, rule.Required == 1
                        ? $"{setting}: the slave's WAL sender is the synchronous standby every commit waits for"
                        : $"{setting}: the slave's WAL sender is one of the {Count(rule.Required)} synchronous standbys every commit waits for");
                var sync = master.Replication.Where(r => r.SyncState == "sync").ToArray();
                return (false, sync.Length == 0
                    ? $"{setting}, but the slave's WAL sender is {row.SyncState}, not sync"
                    : $"{setting}, but the synchronous standby is {string.Join(", ", sync.Select(SlaveWalSender.DescribeRow))}, not the slave ({row.SyncState})");
            }
            var others = available.Count(r => !ReferenceEquals(r, row));
            return others < rule.Required
                ? (true, $"{setting}: only {Count(others)} other standby(s) could confirm a commit, fewer than {Count(rule.Required)}, so every commit needs the slave")
                : (false, $"{setting}: {Count(others)} other standby(s) can confirm commits without the slave");
        }

        var (needed, why) = Judge();
        return new SyncRequirement(rule, commitsWait, available, needed, why);
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
}
