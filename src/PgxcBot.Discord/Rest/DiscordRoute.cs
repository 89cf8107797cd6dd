using System.Globalization;

namespace PgxcBot.Discord.Rest;

/// <summary>
/// What the client needs to know about a request path: which rate-limit route and major parameter it
/// belongs to, which ordered lane it runs in, whether it carries the bot token, and how to name it in a log
/// line without the interaction token.
/// </summary>
internal sealed record DiscordRoute(HttpMethod Method, string Path, string RouteKey, string Major, string Lane, bool Authenticated, bool ExemptFromGlobal, string SafePath)
{
    public static DiscordRoute Of(HttpMethod method, string path)
    {
        var segments = path.Split('/');
        var first = segments[0];
        var tokenRoute = first is "webhooks" or "interactions" && segments.Length >= 3;
        // The token route's major parameter includes the token: each interaction has its own webhook bucket.
        var major = first switch
        {
            "channels" or "guilds" when segments.Length >= 2 => $"{first}/{segments[1]}",
            "webhooks" or "interactions" when tokenRoute => $"{first}/{segments[1]}/{segments[2]}",
            _ => "",
        };
        var keySegments = segments.Select((s, i) => i < 2 || (tokenRoute && i == 2) ? s : IsId(s) ? ":id" : s).ToArray();
        if (tokenRoute) { keySegments[1] = ":id"; keySegments[2] = ":token"; }
        var safe = tokenRoute ? string.Join('/', segments.Select((s, i) => i == 2 ? "***" : s)) : path;
        // One interaction's callback and its webhook edits share a lane, keyed by the token they share.
        var lane = tokenRoute ? "token:" + segments[2] : major.Length > 0 ? major : path;
        return new DiscordRoute(method, path, $"{method.Method} {string.Join('/', keySegments)}", major, lane,
            Authenticated: !tokenRoute, ExemptFromGlobal: tokenRoute, safe);
    }

    private static bool IsId(string segment) => ulong.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _);
}
