using PgxcBot.Core.Topology;
using PgxcBot.Ssh;

namespace PgxcBot.Cli;

/// <summary>
/// What a valid configuration refers to on this machine, checked before the bot starts (and by
/// check-config): every secret reference resolves (an unset variable is named, its value never shown), every
/// SSH key is a regular file, mode 600 or stricter, and decrypts with its passphrase, and the store path
/// names a file in an existing directory. Each problem is a <see cref="ConfigIssue"/> with the JSON path to
/// fix, so it reads like the other configuration errors and exits 2.
/// </summary>
internal static class ConfigEnvironmentChecks
{
    public static IReadOnlyList<ConfigIssue> Run(PgxcBotOptions options, ClusterTopology topology, ISecretResolver secrets)
    {
        var issues = new List<ConfigIssue>();
        void Secret(string path, SecretReference? reference, string what)
        {
            if (reference is null) return;
            try
            {
                secrets.Resolve(reference);
            }
            catch (SecretUnavailableException e)
            {
                var field = string.IsNullOrEmpty(reference.Env) ? ".file" : ".env";
                issues.Add(new ConfigIssue(path + field, $"{what}: {e.Message}"));
            }
        }

        Secret("database.password", topology.Database.Password, "the database password cannot be read");
        if (topology.Discord is { } discord)
        {
            Secret("discord.token", discord.Token, "the Discord bot token cannot be read");
            Secret("discord.publicKeyFrom", discord.PublicKeyFrom, "the Discord public key cannot be read");
        }
        for (var i = 0; i < options.Hosts.Count; i++)
        {
            if (topology.FindHost(options.Hosts[i].Name ?? "") is not { Transport: TransportKind.Ssh } host) continue;
            if (SshKeys.TryLoad(host, secrets, out var problem) is null && problem is not null)
                issues.Add(new ConfigIssue($"hosts[{i}].{problem.Field}", problem.Message));
        }
        if (StoreProblem(topology.StorePath) is { } store) issues.Add(new ConfigIssue("store.path", store));
        return issues;
    }

    /// <summary>The store is a SQLite file: a directory, a device or a missing parent directory is refused
    /// here, not later with an exception from SQLite.</summary>
    private static string? StoreProblem(string path)
    {
        var (kind, _) = LocalFiles.Inspect(path);
        switch (kind)
        {
            case LocalFileKind.Regular:
                return null;
            case LocalFileKind.Directory:
                return $"{path} is a directory; give the SQLite file inside it, e.g. \"{Path.Combine(path, "pgxcbot.db")}\".";
            case LocalFileKind.Missing:
                var parent = Path.GetDirectoryName(path);
                if (parent is null || LocalFiles.Inspect(parent).Kind == LocalFileKind.Directory) return null; // created at start
                return $"the directory {parent} of {path} does not exist; create it for the bot's user " +
                       $"(install -d -m 0700 -o pgxcbot {parent}), or keep the store in /var/lib/pgxcbot (the systemd unit's StateDirectory=).";
            default:
                return $"{path} is {LocalFiles.Describe(kind)}, not a file; give the path of the SQLite file, e.g. \"/var/lib/pgxcbot/pgxcbot.db\".";
        }
    }
}
