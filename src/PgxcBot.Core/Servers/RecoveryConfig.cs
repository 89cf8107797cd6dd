using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Servers;

/// <summary>A file the standby needs, and its content (empty for a signal file).</summary>
public sealed record ConfigFileWrite(string Path, string Content);

/// <summary>
/// How a slave is told to follow its master, per flavor. Postgres-XC/XL (9.x/10 based) and PostgreSQL
/// before 12 read recovery.conf; PostgreSQL 12 and later refuse to start with one and instead take the
/// settings from the configuration files plus an empty standby.signal.
/// </summary>
public static class RecoveryConfig
{
    /// <summary>The settings that make a server follow a master; a promoted master's copy must not reach a new slave.</summary>
    public static IReadOnlyList<string> FollowSettingNames { get; } =
        ["primary_conninfo", "primary_slot_name", "restore_command", "archive_cleanup_command", "recovery_target_timeline"];

    public static bool UsesRecoveryConf(Flavor flavor, int serverVersionNum) =>
        flavor is Flavor.PostgresXc or Flavor.PostgresXl || serverVersionNum < 120000;

    /// <summary>The recovery settings a slave needs to stream from <paramref name="master"/>.</summary>
    public static Dictionary<string, string> Settings(ServerLocation master, string replicationUser, string applicationName, string? archiveDir)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["primary_conninfo"] = ConfValue.ConnInfo(
                ("host", master.Address), ("port", SqlText.Port(master.Port)), ("user", replicationUser), ("application_name", applicationName)),
            // After a promote elsewhere the new master is on a new timeline; follow it.
            ["recovery_target_timeline"] = "latest",
        };
        if (archiveDir is not null)
        {
            var dir = archiveDir.TrimEnd('/');
            settings["restore_command"] = $"cp {dir}/%f %p";
            settings["archive_cleanup_command"] = $"pg_archivecleanup {dir} %r";
        }
        return settings;
    }

    /// <summary>
    /// The files to write on the slave. For recovery.conf flavors the recovery settings go into
    /// recovery.conf (with standby_mode); otherwise they join <paramref name="managedSettings"/> in the
    /// bot's include file and standby.signal is created.
    /// </summary>
    public static IReadOnlyList<ConfigFileWrite> Files(
        Flavor flavor, int serverVersionNum, string slaveDataDir, IReadOnlyDictionary<string, string> recoverySettings,
        IReadOnlyDictionary<string, string> managedSettings) =>
        Files(flavor, serverVersionNum, slaveDataDir, recoverySettings, managedSettings, ManagedConfig.FileName);

    /// <summary>As above, with the server's own settings in <paramref name="managedFileName"/> (a bot-owned include file).</summary>
    public static IReadOnlyList<ConfigFileWrite> Files(
        Flavor flavor, int serverVersionNum, string slaveDataDir, IReadOnlyDictionary<string, string> recoverySettings,
        IReadOnlyDictionary<string, string> managedSettings, string managedFileName)
    {
        if (UsesRecoveryConf(flavor, serverVersionNum))
        {
            var recovery = new Dictionary<string, string>(recoverySettings, StringComparer.Ordinal) { ["standby_mode"] = "on" };
            return
            [
                new(ManagedConfig.Path(slaveDataDir, "recovery.conf"), ManagedConfig.Render(recovery)),
                new(ManagedConfig.Path(slaveDataDir, managedFileName), ManagedConfig.Render(managedSettings)),
            ];
        }

        var merged = new Dictionary<string, string>(managedSettings, StringComparer.Ordinal);
        foreach (var (k, v) in recoverySettings) merged[k] = v;
        return
        [
            new(ManagedConfig.Path(slaveDataDir, managedFileName), ManagedConfig.Render(merged)),
            new(ManagedConfig.Path(slaveDataDir, "standby.signal"), ""),
        ];
    }
}
