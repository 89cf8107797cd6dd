namespace PgxcBot.Discord.Outbox;

/// <summary>Timings of the Discord outbox channel; tests shorten them.</summary>
public sealed class DiscordOutboxOptions
{
    /// <summary>How long an interaction token edits its message (Discord: 15 minutes).</summary>
    public TimeSpan InteractionTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Switch to the bot token this long before the interaction token expires, so that no edit is lost at the edge.</summary>
    public TimeSpan InteractionTokenMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How soon to look again while the dispatcher has not given an interaction its first answer.</summary>
    public TimeSpan FirstAnswerPoll { get; set; } = TimeSpan.FromMilliseconds(50);
}
