using System.Text.Json;
using System.Text.Json.Nodes;

namespace PgxcBot.Discord.Rest;

/// <summary>What <c>GET /gateway/bot</c> says: where to connect and how many Identifies are left today.</summary>
public sealed record GatewayInfo(string Url, int Remaining, TimeSpan ResetAfter, int MaxConcurrency);

/// <summary>The Discord endpoints the bot uses, over <see cref="DiscordRestClient"/>.</summary>
public sealed class DiscordApi(DiscordRestClient rest)
{
    public async Task<GatewayInfo> GetGatewayBotAsync(CancellationToken cancellationToken)
    {
        var answer = await rest.SendAsync(HttpMethod.Get, "gateway/bot", null, cancellationToken).ConfigureAwait(false)
                     ?? throw new InvalidOperationException("GET /gateway/bot answered with no body");
        var url = answer.GetProperty("url").GetString()!;
        var remaining = 1000;
        var resetAfter = TimeSpan.Zero;
        var concurrency = 1;
        if (answer.TryGetProperty("session_start_limit", out var limit))
        {
            if (limit.TryGetProperty("remaining", out var r)) remaining = r.GetInt32();
            if (limit.TryGetProperty("reset_after", out var a)) resetAfter = TimeSpan.FromMilliseconds(a.GetDouble());
            if (limit.TryGetProperty("max_concurrency", out var c)) concurrency = c.GetInt32();
        }
        return new GatewayInfo(url, remaining, resetAfter, concurrency);
    }

    /// <summary>Replaces every command of the application in the guild (PUT, bulk overwrite).</summary>
    public Task<JsonElement?> BulkOverwriteGuildCommandsAsync(string applicationId, string guildId, JsonArray commands, CancellationToken cancellationToken) =>
        rest.SendAsync(HttpMethod.Put, $"applications/{applicationId}/guilds/{guildId}/commands", commands, cancellationToken);

    /// <summary>Posts a message with the bot token; returns its id. With <paramref name="nonce"/> (at most 25 characters)
    /// the post carries <c>nonce</c> and <c>enforce_nonce: true</c>: a retry of a post Discord already created (a 5xx or a
    /// timeout after it took it) returns that message instead of a second one (Discord API, "Create Message").</summary>
    public async Task<string> CreateMessageAsync(string channelId, JsonObject message, CancellationToken cancellationToken, string? nonce = null,
        IReadOnlyList<Rendering.DiscordAttachment>? files = null)
    {
        var answer = await PostMessageAsync(channelId, message, cancellationToken, nonce, files).ConfigureAwait(false);
        return answer?.GetProperty("id").GetString() ?? "";
    }

    /// <summary>As <see cref="CreateMessageAsync"/>, returning the message as Discord holds it: with a nonce Discord
    /// already saw, the message created then (its content as sent then, not this payload's).</summary>
    public Task<JsonElement?> PostMessageAsync(string channelId, JsonObject message, CancellationToken cancellationToken, string? nonce = null,
        IReadOnlyList<Rendering.DiscordAttachment>? files = null)
    {
        if (nonce is not null)
        {
            message = (JsonObject)message.DeepClone();
            message["nonce"] = nonce;
            message["enforce_nonce"] = true;
        }
        return rest.SendAsync(HttpMethod.Post, $"channels/{channelId}/messages", message, files, cancellationToken);
    }

    /// <summary>Edits a message with the bot token (the bot's own messages, and after its 15 minutes an interaction's).
    /// Returns the message as Discord now holds it. With files, as <see cref="EditOriginalAsync"/>.</summary>
    public Task<JsonElement?> EditMessageAsync(string channelId, string messageId, JsonObject message, CancellationToken cancellationToken,
        IReadOnlyList<Rendering.DiscordAttachment>? files = null) =>
        rest.SendAsync(HttpMethod.Patch, $"channels/{channelId}/messages/{messageId}", message, files, cancellationToken);

    /// <summary>The first answer to an interaction (within 3 s of its creation), with the files its message carries.</summary>
    public Task CreateInteractionResponseAsync(string interactionId, string token, JsonObject response, CancellationToken cancellationToken,
        IReadOnlyList<Rendering.DiscordAttachment>? files = null) =>
        rest.SendAsync(HttpMethod.Post, $"interactions/{interactionId}/{token}/callback", response, files, cancellationToken);

    /// <summary>Edits the interaction's original message (the answer, or for a button the message it sits on); returns
    /// the message (its id and channel_id) as Discord now holds it. With files, the message's <c>attachments</c> list
    /// says which to keep: the new ones replace the old.</summary>
    public Task<JsonElement?> EditOriginalAsync(string applicationId, string token, JsonObject message, CancellationToken cancellationToken,
        IReadOnlyList<Rendering.DiscordAttachment>? files = null) =>
        rest.SendAsync(HttpMethod.Patch, $"webhooks/{applicationId}/{token}/messages/@original", message, files, cancellationToken);

    public Task CreateFollowupAsync(string applicationId, string token, JsonObject message, CancellationToken cancellationToken) =>
        rest.SendAsync(HttpMethod.Post, $"webhooks/{applicationId}/{token}", message, cancellationToken);
}
