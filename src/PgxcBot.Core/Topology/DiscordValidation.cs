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
        ok &= Check("discord.listenAddress", FieldRules.IpAddress(listen, "127.0.0.1\" (behind a TLS reverse proxy) or \"0.0.0.0"));
        var port = d.ListenPort ?? DiscordSettings.DefaultListenPort;
        ok &= Check("discord.listenPort", FieldRules.Port(port));
        var path = d.Path ?? DiscordSettings.DefaultPath;
        if (FieldRules.Text(path) is { } pathText)
            ok = Fail("discord.path", pathText);
        else if (!path.StartsWith('/') || path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#'))
            ok = Fail("discord.path", $"\"{ConfigRules.Show(path)}\" is not a URL path; give one starting with /, e.g. \"/interactions\".");
        ok &= Duration("discord.timestampWindowSeconds", d.TimestampWindowSeconds, DurationRule.TimestampWindow, DiscordSettings.DefaultTimestampWindow, out var window);
        var apiBase = ApiBaseUrl(d.ApiBaseUrl);
        if (d.ApiBaseUrl is not null && apiBase is null) ok = false;
        if (mode == DiscordMode.Gateway && (d.ListenPort is not null || d.ListenAddress is not null))
            Warn("discord.listenPort", "listenAddress/listenPort only matter in http mode; in gateway mode the bot opens no port.");

        if (!ok) return null;
        return new DiscordSettings(mode, d.ApplicationId!, d.GuildId!, d.ChannelId!, d.OnCallRoleId, d.Token!, d.PublicKey?.Trim().ToLowerInvariant(),
            d.PublicKeyFrom, listen, port, path, window, d.RegisterCommandsAtStart ?? false)
        {
            ApiBaseUrl = apiBase ?? DiscordSettings.DefaultApiBaseUrl,
        };
    }

    private bool Snowflake(string path, string? value, string what) => Check(path, FieldRules.Snowflake(value, what));

    /// <summary>
    /// discord.apiBaseUrl: an absolute https URL (a proxy in front of Discord, or a test double), or http
    /// only to a loopback address (a local proxy or test double on this machine: the bot token travels in
    /// every request, and must never cross a network unencrypted). No query, fragment or user info. The
    /// result ends with / so that relative routes keep its path.
    /// </summary>
    private Uri? ApiBaseUrl(string? text)
    {
        const string path = "discord.apiBaseUrl";
        if (text is null) return null;
        const string example = "e.g. \"https://discord.com/api/v10/\" (the default) or \"https://discord-proxy.internal/api/v10/\"";
        if (!Check(path, FieldRules.Text(text))) return null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            return Reject(path, $"\"{ConfigRules.Show(text)}\" is not an http(s) URL; give the API root, {example}.");
        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            return Reject(path, $"give the API root only, without user name, ?query or #fragment (the bot adds the routes and sends the token in a header); {example}.");
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        if (!ConfigRules.IsAddress(host))
            return Reject(path, $"the host \"{ConfigRules.Show(uri.Host)}\" is not a DNS name or an IP address; {example}.");
        var loopback = uri.IsLoopback;
        if (uri.Scheme == "http" && !loopback)
            return Reject(path, $"http is allowed only to this machine (127.0.0.1, ::1, localhost): the bot token goes with every request and must not cross a network unencrypted. Use https, {example}.");
        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private Uri? Reject(string path, string message)
    {
        Error(path, message);
        return null;
    }

    /// <summary>An Ed25519 public key: 32 bytes as 64 hex digits.</summary>
    internal static bool IsPublicKey(string text) =>
        text.Trim().Length == 64 && text.Trim().All(char.IsAsciiHexDigit);
}
