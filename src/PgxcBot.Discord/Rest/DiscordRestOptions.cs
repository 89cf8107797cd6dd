namespace PgxcBot.Discord.Rest;

/// <summary>Where and how the REST client talks to Discord. Tests point <see cref="ApiBase"/> at a fake.</summary>
public sealed class DiscordRestOptions
{
    /// <summary>Discord's API, version 10, or the configured <c>discord.apiBaseUrl</c> (a proxy, a test
    /// double). Must end with a slash.</summary>
    public Uri ApiBase { get; set; } = new("https://discord.com/api/v10/");
    /// <summary>Sent as <c>User-Agent: DiscordBot (url, version)</c>; Cloudflare may block requests without it.</summary>
    public string UserAgentUrl { get; set; } = "https://github.com/pgxc-bot/pgxc-bot";
    public string UserAgentVersion { get; set; } = "1.0.0";
    /// <summary>How many times one request is retried after 429 or a 5xx before it fails.</summary>
    public int MaxAttempts { get; set; } = 20;
    /// <summary>Invalid requests (401, 403, non-shared 429) allowed per 10 minutes before the client waits.
    /// Discord bans an IP for a while at 10,000; we stay far below.</summary>
    public int InvalidRequestLimit { get; set; } = 2500;
    public TimeSpan InvalidRequestWindow { get; set; } = TimeSpan.FromMinutes(10);
}
