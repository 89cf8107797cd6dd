using System.Globalization;
using System.Net;

namespace PgxcBot.Core.Topology;

/// <summary>The checks of the <c>discord</c> section, in the same style as the rest: every error with its path and the fix.</summary>
internal sealed partial class Validation
{
    private DiscordSettings? CheckDiscord()
    {
        var d = options.Discord;
        if (d is null) return null;
        var ok = true;

        var mode = DiscordMode.Gateway;
        switch (d.Mode?.Trim().ToLowerInvariant())
        {
            case null or "gateway": break;
            case "http": mode = DiscordMode.Http; break;
            default:
                ok = Fail("discord.mode", $"\"{ConfigRules.Show(d.Mode!)}\" is not a mode; expected gateway (default: the bot connects out to Discord) or http (Discord POSTs interactions to the bot's endpoint).");
                break;
        }
        ok &= Snowflake("discord.applicationId", d.ApplicationId, "the Application ID from the Developer Portal's General Information page");
        ok &= Snowflake("discord.guildId", d.GuildId, "the server ID (right-click the server with Developer Mode on, Copy Server ID)");
        ok &= Snowflake("discord.channelId", d.ChannelId, "the ID of the channel alerts go to (right-click the channel, Copy Channel ID)");
        if (d.OnCallRoleId is not null) ok &= Snowflake("discord.onCallRoleId", d.OnCallRoleId, "the ID of the role critical alerts mention");

        if (d.Token is null)
            ok = Fail("discord.token", "missing. Give the bot token by reference: {\"env\": \"PGXCBOT_DISCORD_TOKEN\"} or {\"file\": \"/etc/pgxcbot/discord.token\"}; never the token itself.");
        else
            ok &= CheckSecret("discord.token", d.Token);

        if (d.PublicKey is not null && d.PublicKeyFrom is not null)
            ok = Fail("discord.publicKey", "given both inline and as publicKeyFrom; keep one.");
        else if (d.PublicKey is not null && !IsPublicKey(d.PublicKey))
            ok = Fail("discord.publicKey", "not a public key: give the 64 hexadecimal digits of the Public Key shown on the Developer Portal's General Information page.");
        else if (d.PublicKeyFrom is not null)
            ok &= CheckSecret("discord.publicKeyFrom", d.PublicKeyFrom);
        else if (d.PublicKey is null && mode == DiscordMode.Http)
            ok = Fail("discord.publicKey", "missing: http mode checks every request's signature with the application's Public Key (Developer Portal, General Information); give it as \"publicKey\": \"<64 hex digits>\" or \"publicKeyFrom\": {\"env\": ...}.");

        var listen = d.ListenAddress ?? DiscordSettings.DefaultListenAddress;
        if (!IPAddress.TryParse(listen, out _))
            ok = Fail("discord.listenAddress", $"\"{ConfigRules.Show(listen)}\" is not an IP address; give the address the interactions endpoint binds to, e.g. \"127.0.0.1\" behind a TLS reverse proxy.");
        var port = d.ListenPort ?? DiscordSettings.DefaultListenPort;
        if (port is < 0 or > 65535)
            ok = Fail("discord.listenPort", $"{port} is not a TCP port (1-65535).");
        var path = d.Path ?? DiscordSettings.DefaultPath;
        if (!path.StartsWith('/') || path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#'))
            ok = Fail("discord.path", $"\"{ConfigRules.Show(path)}\" is not a URL path; give one starting with /, e.g. \"/interactions\".");
        var window = DiscordSettings.DefaultTimestampWindow;
        if (d.TimestampWindowSeconds is { } seconds)
        {
            if (double.IsNaN(seconds) || seconds is < 5 or > 3600)
                ok = Fail("discord.timestampWindowSeconds", $"{ConfigValidator.Format(seconds)} is out of range; give 5 to 3600 seconds (default 300).");
            else
                window = TimeSpan.FromSeconds(seconds);
        }
        if (mode == DiscordMode.Gateway && (d.ListenPort is not null || d.ListenAddress is not null))
            Warn("discord.listenPort", "listenAddress/listenPort only matter in http mode; in gateway mode the bot opens no port.");

        if (!ok) return null;
        return new DiscordSettings(mode, d.ApplicationId!, d.GuildId!, d.ChannelId!, d.OnCallRoleId, d.Token!, d.PublicKey?.Trim().ToLowerInvariant(),
            d.PublicKeyFrom, listen, port, path, window, d.RegisterCommandsAtStart ?? false);
    }

    private bool Snowflake(string path, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            return Fail(path, $"missing. Give {what}, e.g. \"1100000000000000000\".");
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return Fail(path, $"\"{ConfigRules.Show(value)}\" is not a Discord ID (digits only, in quotes); give {what}.");
        return true;
    }

    /// <summary>An Ed25519 public key: 32 bytes as 64 hex digits.</summary>
    internal static bool IsPublicKey(string text) =>
        text.Trim().Length == 64 && text.Trim().All(char.IsAsciiHexDigit);
}
