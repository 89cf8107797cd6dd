namespace PgxcBot.Discord.Gateway;

/// <summary>What a gateway close code asks of us (Discord's table of close codes).</summary>
public static class GatewayCloseCodes
{
    public enum Action { Resume, Reidentify, Stop }

    public static Action Classify(int code) => code switch
    {
        4004 or 4010 or 4011 or 4012 or 4013 or 4014 => Action.Stop,
        4007 or 4009 => Action.Reidentify,
        _ => Action.Resume,
    };

    /// <summary>Why Discord will never accept this connection as configured, and what to fix.</summary>
    public static string Explain(int code) => code switch
    {
        4004 => "4004 authentication failed: Discord rejected the bot token. Put the Bot token from the Developer Portal (Bot page, Reset Token) where discord.token points.",
        4010 => "4010 invalid shard: the bot sent a shard Discord does not accept.",
        4011 => "4011 sharding required: the bot is in too many guilds for one connection (2500+); this bot does not shard.",
        4012 => "4012 invalid API version: the gateway no longer accepts v10; update pgxcbot.",
        4013 => "4013 invalid intents: the Identify's intents value was refused.",
        4014 => "4014 disallowed intents: a privileged intent is not enabled for the application; pgxcbot needs none, so this is a bug.",
        _ => $"{code}",
    };
}

/// <summary>The gateway closed with a code that forbids reconnecting; <see cref="Exception.Message"/> names the cause.</summary>
public sealed class GatewayFatalException(int closeCode) : Exception("Discord gateway closed the connection for good: " + GatewayCloseCodes.Explain(closeCode))
{
    public int CloseCode { get; } = closeCode;
}
