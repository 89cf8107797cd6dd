using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using NSec.Cryptography;

namespace PgxcBot.Tests.Discord.Fake;

/// <summary>Builds interactions as Discord sends them, and signs them like Discord for the HTTP endpoint.</summary>
internal sealed class InteractionInjector(FakeDiscord discord)
{
    public const string ApplicationId = "1200000000000000000";
    public const string GuildId = "1100000000000000000";
    public const string ChannelId = "1150000000000000000";

    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public string PublicKeyHex => Convert.ToHexString(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey)).ToLowerInvariant();

    public JsonObject SlashCommand(string sub, JsonObject? options, string userId, string userName, params string[] roles)
    {
        var subOptions = new JsonArray();
        foreach (var (name, value) in options ?? [])
            subOptions.Add(new JsonObject { ["name"] = name, ["type"] = value is JsonValue v && v.TryGetValue<bool>(out _) ? 5 : 3, ["value"] = value?.DeepClone() });
        return Base(2, userId, userName, roles, new JsonObject
        {
            ["id"] = discord.NewId(), ["name"] = "pgxc", ["type"] = 1,
            ["options"] = new JsonArray(new JsonObject { ["name"] = sub, ["type"] = 1, ["options"] = subOptions }),
        });
    }

    public JsonObject ButtonClick(string customId, string messageId, JsonArray? components, string userId, string userName, params string[] roles)
    {
        var interaction = Base(3, userId, userName, roles, new JsonObject { ["custom_id"] = customId, ["component_type"] = 2 });
        interaction["message"] = new JsonObject { ["id"] = messageId, ["channel_id"] = ChannelId, ["components"] = components?.DeepClone() ?? new JsonArray() };
        discord.RegisterSourceMessage(interaction["token"]!.GetValue<string>(), messageId);
        return interaction;
    }

    public JsonObject Ping() => new() { ["id"] = discord.NewId(), ["application_id"] = ApplicationId, ["type"] = 1, ["token"] = "ping-token", ["version"] = 1 };

    private JsonObject Base(int type, string userId, string userName, string[] roles, JsonObject data) => new()
    {
        ["id"] = discord.NewId(),
        ["application_id"] = ApplicationId,
        ["type"] = type,
        ["token"] = "itoken-" + Guid.NewGuid().ToString("N"),
        ["version"] = 1,
        ["guild_id"] = GuildId,
        ["channel_id"] = ChannelId,
        ["member"] = new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = userId, ["username"] = userName },
            ["roles"] = new JsonArray(roles.Select(r => (JsonNode)JsonValue.Create(r)).ToArray()),
            ["permissions"] = "2147483647",
        },
        ["data"] = data,
    };

    /// <summary>POSTs <paramref name="interaction"/> to the endpoint signed like Discord (or with the given signature).</summary>
    public async Task<HttpResponseMessage> PostSignedAsync(HttpClient http, Uri endpoint, JsonObject interaction, long? timestamp = null, string? signatureOverride = null)
    {
        var body = Encoding.UTF8.GetBytes(interaction.ToJsonString());
        var ts = (timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = signatureOverride ?? Convert.ToHexString(SignatureAlgorithm.Ed25519.Sign(_key, [.. Encoding.UTF8.GetBytes(ts), .. body])).ToLowerInvariant();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Signature-Timestamp", ts);
        if (signature.Length > 0) request.Headers.Add("X-Signature-Ed25519", signature);
        return await http.SendAsync(request);
    }
}

/// <summary>Polls a condition until it holds or the deadline passes (never a fixed sleep).</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"timed out after {seconds} s waiting for: {what}");
            await Task.Delay(10);
        }
    }
}
