using PgxcBot.Core.Topology;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot check-config</c>: every error and warning with its path; exit 2 on errors. Contacts
/// nothing. Checks the file, then what it refers to on this machine as the bot would see it at start
/// (secret variables set, secret files and SSH keys readable, store location), unless <c>--file-only</c>
/// (a config repository's CI, without the bot's secrets and keys).</summary>
internal static class CheckConfigCommand
{
    public static async Task<int> RunAsync(CliArguments arguments, CliIo io, CancellationToken cancellationToken)
    {
        if (arguments.ConfigPath is null)
        {
            await io.Error.WriteLineAsync("error: check-config needs --config FILE (see config/pgxcbot.example.json).");
            return ExitCodes.BadConfig;
        }
        var config = await ConfigFile.LoadAsync(arguments.ConfigPath, cancellationToken, arguments.FileOnly ? null : io.Variables);
        config.WriteIssues(io.Out);
        var report = config.Report;
        var warnings = report.Warnings.Count == 1 ? "1 warning" : $"{report.Warnings.Count} warnings";
        if (report.Topology is not { } topology)
        {
            var errors = report.Errors.Count == 1 ? "1 error" : $"{report.Errors.Count} errors";
            await io.Out.WriteLineAsync($"{config.Path}: {errors}, {warnings}. Fix the errors above and run check-config again.");
            return ExitCodes.BadConfig;
        }
        await io.Out.WriteLineAsync(
            $"{config.Path}: valid ({ConfigValidator.FlavorName(topology.Flavor)}, {topology.Datanodes.Count} datanode pair(s), " +
            $"{topology.Coordinators.Count} coordinator(s), {topology.Hosts.Count} host(s); store {topology.StorePath}), {warnings}.");
        return ExitCodes.Ok;
    }
}
