using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Topology;
using PgxcBot.Discord.Interactions;
using PgxcBot.Discord.Rendering;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord.Outbox;

/// <summary>
/// Discord as an outbox target (<c>discord</c>): it edits in place, so each operation's live message shows its newest
/// state only.
/// <list type="bullet">
/// <item>Alerts, reminders and recoveries are posted to the configured channel with <c>nonce</c> and
/// <c>enforce_nonce</c> (the entry's nonce: a retried post after a 5xx or a timeout is never shown twice);
/// reminders and recoveries reply to their alert; critical ones may mention the on-call role, and only it.</item>
/// <item>Progress edits the interaction's message with its token while the token lives (waiting for the
/// dispatcher's first answer); from <see cref="DiscordOutboxOptions.InteractionTokenMargin"/> before its 15 minutes
/// end, or once Discord says it is gone, the bot token edits the same channel message, or, when its id is not known,
/// posts a new one that later edits follow (with a nonce per key, not per entry: a post whose answer was lost and
/// that is retried as a newer state is deduplicated by Discord too, then edited to that state).</item>
/// <item>A refusal that retrying cannot fix (400: the message itself is wrong) is dropped with an error log; a rejected
/// bot token stops the adapter (<see cref="DiscordAdapterStatus"/>); everything else is retried by the sender.</item>
/// </list>
/// </summary>
public sealed partial class DiscordOutboxChannel(
    DiscordApi api,
    DiscordSettings settings,
    InteractionResponses responses,
    DiscordOutboxOptions options,
    DiscordAdapterStatus status,
    TimeProvider time,
    ILogger<DiscordOutboxChannel> logger) : IOutboxChannel
{
    public const string TargetName = "discord";

    // Interactions whose token Discord no longer takes: later entries go straight to the bot token.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _deadTokens = new(StringComparer.Ordinal);

    public string Target => TargetName;

    public bool EditsInPlace => true;

    public async Task<DeliveryResult> DeliverAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        try
        {
            return entry.Kind == OutboxKind.Progress
                ? await ProgressAsync(entry, posted, cancellationToken).ConfigureAwait(false)
                : await PostAsync(entry, posted, cancellationToken).ConfigureAwait(false);
        }
        catch (DiscordUnauthorizedException e)
        {
            // The bot token is refused: nothing will get through until a person fixes it. The adapter stops the bot.
            status.Fail(e.Message);
            return DeliveryResult.Later(e.Message, TimeSpan.FromMinutes(1));
        }
        catch (DiscordApiException e) when (e.Status == HttpStatusCode.BadRequest)
        {
            return DeliveryResult.Drop(e.Message);
        }
        catch (DiscordApiException e)
        {
            return DeliveryResult.Later(e.Message);
        }
        catch (HttpRequestException e)
        {
            return DeliveryResult.Later($"Discord is unreachable: {e.Message}");
        }
    }

    private async Task<DeliveryResult> PostAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        var mention = entry.MentionOnCall ? settings.OnCallRoleId : null;
        var rendered = DiscordMessageRenderer.RenderWhole(entry.Body, new RenderOptions(MentionRoleId: mention));
        var payload = rendered.Payload;
        if (entry.Kind != OutboxKind.Alert && posted is { ExternalId.Length: > 0 } thread)
            payload["message_reference"] = new JsonObject { ["message_id"] = thread.ExternalId, ["fail_if_not_exists"] = false };
        var id = await api.CreateMessageAsync(settings.ChannelId, payload, cancellationToken, entry.Nonce, Files(rendered)).ConfigureAwait(false);
        LogPosted(logger, entry.Kind.ToString(), entry.MessageKey ?? "", id);
        // The alert is what its reminders and recovery reply to.
        return DeliveryResult.Done(entry is { Kind: OutboxKind.Alert, MessageKey: { } key }
            ? new PostedMessage(TargetName, key, id, new DiscordAddress(null, null, null, settings.ChannelId, id, null).ToJson(), entry.Id)
            : null);
    }

    private async Task<DeliveryResult> ProgressAsync(OutboxEntry entry, PostedMessage? posted, CancellationToken cancellationToken)
    {
        var key = entry.MessageKey ?? "";
        var address = DiscordAddress.Parse(entry.Address) ?? DiscordAddress.Parse(posted?.Address);
        if (address is null)
            return DeliveryResult.Nowhere($"no Discord message shows {key} (it was not asked for in Discord)");
        // The whole message, always: an approver never approves a cut plan. What does not fit one Discord message is
        // shown step by step with the whole of it attached as a file; an edit that fits drops an earlier, stale file.
        var rendered = DiscordMessageRenderer.RenderWhole(entry.Body, new RenderOptions(DisabledComponents: address.Disabled));
        var payload = rendered.Payload;
        var files = Files(rendered);
        payload["attachments"] ??= new JsonArray();

        if (address is { Token: { } token, ApplicationId: { } application } && TokenLives(address) && !_deadTokens.ContainsKey(address.InteractionId ?? token))
        {
            if (responses.IsPending(address.InteractionId))
                return DeliveryResult.Wait(options.FirstAnswerPoll, "the interaction has not had its first answer yet");
            try
            {
                var message = await api.EditOriginalAsync(application, token, payload, cancellationToken, files).ConfigureAwait(false);
                var now = address with { MessageId = Text(message, "id") ?? address.MessageId, ChannelId = Text(message, "channel_id") ?? address.ChannelId };
                return DeliveryResult.Done(new PostedMessage(TargetName, key, now.MessageId ?? "", now.ToJson(), entry.Id));
            }
            catch (DiscordApiException e) when (TokenGone(e))
            {
                _deadTokens[address.InteractionId ?? token] = 0;
                LogTokenGone(logger, key, e.Message);
            }
        }

        // The bot token from here on: the interaction's token is gone (or about to be), or there never was one.
        var bot = address with { Token = null };
        if (bot is { ChannelId: { } channel, MessageId: { } messageId })
        {
            try
            {
                await api.EditMessageAsync(channel, messageId, payload, cancellationToken, files).ConfigureAwait(false);
                return DeliveryResult.Done(new PostedMessage(TargetName, key, messageId, bot.ToJson(), entry.Id));
            }
            catch (DiscordApiException e) when (e.Status == HttpStatusCode.NotFound)
            {
                // The message was deleted: the state goes into a new one.
                LogMessageGone(logger, key, e.Message);
            }
        }
        var target = bot.ChannelId ?? settings.ChannelId;
        // The nonce is the key's (and the lost message's), not this entry's: a post Discord took whose answer was lost
        // is retried as the key's newest state, a newer entry, and must not show the operation a second time. Discord
        // then answers with the message it made from the older state, which this state replaces.
        var created = await api.PostMessageAsync(target, payload, cancellationToken, KeyNonce(key, target, bot.MessageId), files).ConfigureAwait(false);
        var id = Text(created, "id") ?? "";
        if (!Shows(created, payload))
            await api.EditMessageAsync(target, id, payload, cancellationToken, files).ConfigureAwait(false);
        LogReposted(logger, key, id);
        return DeliveryResult.Done(new PostedMessage(TargetName, key, id, (bot with { ChannelId = target, MessageId = id }).ToJson(), entry.Id));
    }

    /// <summary>The nonce of a new message for <paramref name="key"/> in <paramref name="channel"/> replacing
    /// <paramref name="goneMessageId"/> (null: none was known): 25 characters, Discord's limit, the same for every
    /// state of the key, so a retry after a lost answer is deduplicated by Discord however many states came since.</summary>
    internal static string KeyNonce(string key, string channel, string? goneMessageId) =>
        "k" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{key}\n{channel}\n{goneMessageId}")))[..24]
            .ToLowerInvariant();

    /// <summary>Whether the message Discord returned shows <paramref name="payload"/> (title, description and content
    /// as sent); false for the older state of a deduplicated post. A false "false" only costs one more edit.</summary>
    private static bool Shows(JsonElement? message, JsonObject payload)
    {
        static string? Field(JsonElement? m, string name) => m is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("embeds", out var e)
            && e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e[0].TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        static string? Sent(JsonObject p, string name) => p["embeds"] is JsonArray { Count: > 0 } a && a[0]?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return Field(message, "title") == Sent(payload, "title") && Field(message, "description") == Sent(payload, "description")
            && (Text(message, "content") ?? "") == (payload["content"] is JsonValue c && c.TryGetValue<string>(out var content) ? content : "");
    }

    private static IReadOnlyList<DiscordAttachment>? Files(RenderedMessage rendered) => rendered.Files.Count == 0 ? null : rendered.Files;

    private bool TokenLives(DiscordAddress address) =>
        address.CreatedAt is { } created && time.GetUtcNow() - created < options.InteractionTokenLifetime - options.InteractionTokenMargin;

    // Expired or unknown interaction/webhook, or no original answer to edit: the token route cannot do it.
    private static bool TokenGone(DiscordApiException e) =>
        e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.NotFound || e.Code is DiscordApiException.UnknownInteraction or 10015 or 50027 or 10008;

    private static string? Text(JsonElement? message, string name) =>
        message is { ValueKind: JsonValueKind.Object } m && m.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Key} posted to Discord as message {MessageId}")]
    private static partial void LogPosted(ILogger logger, string kind, string key, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord: the interaction of {Key} can no longer edit its message ({Reason}); the bot token takes over")]
    private static partial void LogTokenGone(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discord: the message of {Key} is gone ({Reason}); posting its state anew")]
    private static partial void LogMessageGone(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Discord: {Key} continues in channel message {MessageId}, edited with the bot token")]
    private static partial void LogReposted(ILogger logger, string key, string messageId);
}
