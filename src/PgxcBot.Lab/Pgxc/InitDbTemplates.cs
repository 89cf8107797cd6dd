using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Pgxc;

/// <summary>
/// Pristine <c>initdb --nodename NAME</c> results of an installation, kept in a cache folder and copied
/// (<c>cp -a</c>) into each new lab data directory. initdb costs 1.5 s of CPU on XL and 3 s on XC per node,
/// four nodes per cluster, on a 2-core machine; a copy costs a tenth. The node name is part of what initdb
/// writes (postgresql.conf and the node's own pgxc_node row), so there is one template per name. A template
/// is made once (initdb into a temporary folder, then renamed into place, so a concurrent builder never sees
/// half of one) and is keyed by the installation's postgres binary and the superuser.
/// </summary>
internal static class InitDbTemplates
{
    public static async Task CreateAsync(LabCommandRunner runner, PgBinaries binaries, LabPairOptions options, string cacheRoot,
        string dataDir, string nodeName, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(cacheRoot, Key(binaries, options.SuperUser));
        var template = Path.Combine(folder, nodeName);
        if (!Directory.Exists(template))
        {
            Directory.CreateDirectory(folder);
            if (runner.OsUser is not null)
                await runner.RunRawAsync("chown", [$"{runner.OsUser}:", cacheRoot, folder], folder, false, cancellationToken).ConfigureAwait(false);
            var incoming = template + ".incoming-" + Guid.NewGuid().ToString("N")[..8];
            try
            {
                await LabPairBuilder.InitDbAsync(runner, binaries, options, incoming, nodeName, folder, cancellationToken).ConfigureAwait(false);
                try { Directory.Move(incoming, template); }
                catch (IOException) when (Directory.Exists(template)) { /* another builder made it first: use theirs */ }
            }
            finally
            {
                LabFolders.DeleteQuietly(incoming, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            }
        }
        await runner.RunAsync("cp", ["-a", template, dataDir], Path.GetDirectoryName(dataDir)!, cancellationToken).ConfigureAwait(false);
    }

    // The same binary (path, size, modification time) and superuser give the same initdb result.
    private static string Key(PgBinaries binaries, string superUser)
    {
        var postgres = new FileInfo(Path.Combine(binaries.BinDir, "postgres"));
        var text = string.Join('|', binaries.BinDir, postgres.Length.ToString(CultureInfo.InvariantCulture),
            postgres.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture), superUser);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
    }
}
