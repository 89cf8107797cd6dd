using Microsoft.Extensions.Logging;
using PgxcBot.Core.Commands;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord;

/// <summary>Registers <c>/pgxc</c> in the configured guild by bulk overwrite (PUT): guild commands apply at once.</summary>
public sealed partial class DiscordCommandRegistrar(DiscordApi api, DiscordSettings settings, ILogger<DiscordCommandRegistrar> logger)
{
    /// <summary>Overwrites the guild's commands; returns how many sub-commands /pgxc has.</summary>
    public async Task<int> RegisterAsync(CancellationToken cancellationToken)
    {
        var commands = SlashCommands.Build(CommandCatalogue.All);
        await api.BulkOverwriteGuildCommandsAsync(settings.ApplicationId, settings.GuildId, commands, cancellationToken).ConfigureAwait(false);
        var count = commands[0]!["options"]!.AsArray().Count;
        LogRegistered(logger, count, settings.GuildId);
        return count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered /pgxc with {Count} sub-commands in guild {GuildId}")]
    private static partial void LogRegistered(ILogger logger, int count, string guildId);
}
