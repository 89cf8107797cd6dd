using System.Net;

namespace PgxcBot.Discord.Rest;

/// <summary>
/// Discord answered with an error that retrying will not fix. <see cref="Code"/> is Discord's JSON error code
/// when it sent one (10062 unknown interaction, 40060 already acknowledged, 50013 missing permissions,
/// 50035 invalid form body). The message names the route with any token masked.
/// </summary>
public class DiscordApiException(HttpStatusCode status, int? code, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
    public int? Code { get; } = code;

    public const int UnknownInteraction = 10062;
    public const int AlreadyAcknowledged = 40060;
    public const int MissingPermissions = 50013;
    public const int InvalidFormBody = 50035;
}

/// <summary>Discord refused the bot token (401). No further authenticated request is sent: retrying a bad token
/// only spends the invalid-request budget.</summary>
public sealed class DiscordUnauthorizedException(string message) : DiscordApiException(HttpStatusCode.Unauthorized, null, message);
