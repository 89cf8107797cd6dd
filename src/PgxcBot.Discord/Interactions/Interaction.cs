using System.Text.Json;
using System.Text.Json.Nodes;
using PgxcBot.Core.Operations;

namespace PgxcBot.Discord.Interactions;

public enum InteractionType { Ping = 1, ApplicationCommand = 2, MessageComponent = 3, Autocomplete = 4, ModalSubmit = 5 }

/// <summary>
/// The fields of a Discord interaction the bot uses. <see cref="Actor"/> is who typed or clicked: the user id,
/// their display name and the role ids of <c>member.roles</c> (empty in a DM, where approvals by role cannot
/// match). The token is kept for answering and never logged.
/// </summary>
public sealed record Interaction(
    string Id,
    string ApplicationId,
    InteractionType Type,
    string Token,
    string? GuildId,
    string? ChannelId,
    Actor? Actor,
    JsonElement Data,
    string? MessageId,
    JsonArray? MessageComponents)
{
    /// <summary>Reads an interaction object (the <c>d</c> of INTERACTION_CREATE, or an HTTP interaction's body).</summary>
    /// <exception cref="JsonException">A required field is missing or of the wrong type.</exception>
    public static Interaction Parse(JsonElement root)
    {
        try
        {
            var user = root.TryGetProperty("member", out var member) && member.TryGetProperty("user", out var u) ? u
                : root.TryGetProperty("user", out var direct) ? direct : (JsonElement?)null;
            Actor? actor = null;
            if (user is { } who)
            {
                var name = member.ValueKind == JsonValueKind.Object && member.TryGetProperty("nick", out var nick) && nick.ValueKind == JsonValueKind.String ? nick.GetString()
                    : who.TryGetProperty("global_name", out var global) && global.ValueKind == JsonValueKind.String ? global.GetString()
                    : who.TryGetProperty("username", out var username) ? username.GetString() : null;
                var roles = member.ValueKind == JsonValueKind.Object && member.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array
                    ? r.EnumerateArray().Select(x => x.GetString()!).ToArray()
                    : [];
                var id = who.GetProperty("id").GetString()!;
                actor = new Actor(id, name ?? id, roles);
            }
            string? messageId = null;
            JsonArray? components = null;
            if (root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object)
            {
                messageId = message.TryGetProperty("id", out var mid) ? mid.GetString() : null;
                if (message.TryGetProperty("components", out var c) && c.ValueKind == JsonValueKind.Array)
                    components = JsonNode.Parse(c.GetRawText()) as JsonArray;
            }
            return new Interaction(
                root.GetProperty("id").GetString()!,
                root.GetProperty("application_id").GetString()!,
                (InteractionType)root.GetProperty("type").GetInt32(),
                root.TryGetProperty("token", out var token) ? token.GetString() ?? "" : "",
                Optional(root, "guild_id"),
                Optional(root, "channel_id"),
                actor,
                root.TryGetProperty("data", out var data) ? data.Clone() : default,
                messageId,
                components);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new JsonException("not an interaction object: " + e.Message, e);
        }
    }

    private static string? Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
