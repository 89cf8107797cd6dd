using PgxcBot.Core.Servers;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Runbooks.Planners;

/// <summary>
/// Sets synchronous_standby_names (and synchronous_commit) on a master and reloads. PostgreSQL and
/// Postgres-XL have ALTER SYSTEM, which rewrites postgresql.auto.conf whole; Postgres-XC (9.2/9.3 based)
/// has not, so there the bot rewrites its own include file over SSH and reloads with pg_ctl.
/// </summary>
internal static class SyncSettingSteps
{
    public static IReadOnlyList<RunbookStep> Set(ClusterTopology topology, DatanodePair pair, ServerLocation master, string standbyNames,
        string idPrefix, string title, Probe verify)
    {
        var target = new SqlTarget($"{pair.Name} master", master.Address, master.Port);
        var where = Targets.Where(master, $"{pair.Name} master");
        if (topology.Flavor != Flavor.PostgresXc)
        {
            return
            [
                new RunbookStep(idPrefix, title, where,
                    new RunSql(target,
                    [
                        $"ALTER SYSTEM SET synchronous_standby_names = {SqlText.Literal(standbyNames)}",
                        "ALTER SYSTEM SET synchronous_commit = 'on'",
                        "SELECT pg_reload_conf()",
                    ]),
                    verify, DoneWhen: verify, Timeout: TimeSpan.FromSeconds(15), Rerunnable: true, Attempts: 3),
            ];
        }

        var pgCtl = Targets.PgCtl(topology, master);
        var content = ManagedConfig.Render(new Dictionary<string, string>
        {
            ["synchronous_commit"] = "on",
            ["synchronous_standby_names"] = standbyNames,
        });
        return
        [
            new RunbookStep($"{idPrefix}-include", "Include the bot's settings file from postgresql.conf (once)", where,
                // Nothing to do when the master already runs with the setting (a repeated add-slave or sync).
                new RunCommand(master.HostName, ManagedConfig.EnsureIncluded(master.DataDir), [0]), Verify: null, DoneWhen: verify,
                Timeout: TimeSpan.FromSeconds(15), Rerunnable: true, Attempts: 2),
            new RunbookStep($"{idPrefix}-write", title + " (in " + ManagedConfig.FileName + ")", where,
                new RunCommand(master.HostName, ManagedConfig.Write(master.DataDir, content), [0]), Verify: null, DoneWhen: verify,
                Timeout: TimeSpan.FromSeconds(15), Rerunnable: true, Attempts: 2),
            new RunbookStep($"{idPrefix}-reload", "Reload the master's configuration", where,
                new RunCommand(master.HostName, pgCtl.Reload(master), [0]), verify, DoneWhen: verify,
                Timeout: TimeSpan.FromSeconds(15), Rerunnable: true, Attempts: 2),
        ];
    }

    public static SqlProbe SettingIs(SqlTarget target, string setting, string expected) =>
        new($"{setting} is '{expected}' on {target.Name}", target, $"SELECT current_setting({SqlText.Literal(setting)})", expected);
}
