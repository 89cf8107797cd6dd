using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PgxcBot.Discord.Interactions;

namespace PgxcBot.Discord.Outbox;

/// <summary>
/// Where an operation's live message is in Discord, as stored in the outbox (<see cref="Core.Outbox.ChatOrigin.Address"/>
/// and <see cref="Core.Outbox.PostedMessage.Address"/>): the interaction that may still edit it with its token (15
/// minutes), and the channel and message that the bot token can edit after that. Holds an interaction token: it
/// lives only in the store's file, never in a log line.
/// </summary>
/// <param name="Disabled">The clicked message's components, shown disabled once the operation is decided.</param>
public sealed record DiscordAddress(string? InteractionId, string? ApplicationId, string? Token, string? ChannelId, string? MessageId, JsonArray? Disabled)
{
    /// <summary>The answer to <paramref name="interaction"/>: its own new message (a slash command) or the message whose
    /// button was clicked (known channel and message id).</summary>
    public static DiscordAddress Of(Interaction interaction, AnswerTarget target, JsonArray? disabled)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        return new DiscordAddress(interaction.Id, interaction.ApplicationId, interaction.Token, interaction.ChannelId,
            target == AnswerTarget.SourceMessage ? interaction.MessageId : null, disabled);
    }

    /// <summary>When the interaction was created (from its snowflake), or null when there is none.</summary>
    public DateTimeOffset? CreatedAt =>
        InteractionId is { } id && ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var snowflake)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(snowflake >> 22) + 1420070400000L)
            : null;

    public string ToJson() => new JsonObject
    {
        ["interaction"] = InteractionId,
        ["application"] = ApplicationId,
        ["token"] = Token,
        ["channel"] = ChannelId,
        ["message"] = MessageId,
        ["disabled"] = Disabled?.DeepClone(),
    }.ToJsonString();

    /// <summary>Reads what <see cref="ToJson"/> wrote; null for null or unreadable text (the address is then unknown).</summary>
    public static DiscordAddress? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            if (JsonNode.Parse(json) is not JsonObject o) return null;
            static string? Text(JsonObject o, string name) => o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            return new DiscordAddress(Text(o, "interaction"), Text(o, "application"), Text(o, "token"), Text(o, "channel"), Text(o, "message"),
                o["disabled"]?.DeepClone() as JsonArray);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
