namespace PgxcBot.Core.Topology;

/// <summary>
/// The <c>discord</c> section as written by the operator (see <see cref="PgxcBotOptions"/>): nullable on
/// purpose; <see cref="ConfigValidator"/> turns it into <see cref="DiscordSettings"/>. The bot token is given
/// by reference only (environment variable or file); the public key is public and may be written inline.
/// </summary>
public sealed class DiscordOptions
{
    /// <summary>gateway (default: outbound connections only) | http (Discord POSTs interactions to us).</summary>
    public string? Mode { get; set; }
    public string? ApplicationId { get; set; }
    /// <summary>The guild (server) whose /pgxc command the bot registers and answers.</summary>
    public string? GuildId { get; set; }
    /// <summary>Where alerts are posted.</summary>
    public string? ChannelId { get; set; }
    /// <summary>Optional role mentioned by critical alerts.</summary>
    public string? OnCallRoleId { get; set; }
    public SecretReference? Token { get; set; }
    /// <summary>The application's public key (64 hex digits), http mode only.</summary>
    public string? PublicKey { get; set; }
    /// <summary>The public key by reference instead of inline.</summary>
    public SecretReference? PublicKeyFrom { get; set; }
    /// <summary>http mode: the address the interactions endpoint listens on (default 127.0.0.1, behind a reverse proxy).</summary>
    public string? ListenAddress { get; set; }
    public int? ListenPort { get; set; }
    /// <summary>http mode: the path Discord POSTs to (default /interactions).</summary>
    public string? Path { get; set; }
    /// <summary>http mode: requests whose signed timestamp is older (or newer) than this are refused (default 300).</summary>
    public double? TimestampWindowSeconds { get; set; }
    /// <summary>Overwrite the guild's commands when the bot starts (default false; see <c>pgxcbot register-commands</c>).</summary>
    public bool? RegisterCommandsAtStart { get; set; }
    /// <summary>The REST API root (default https://discord.com/api/v10/): an https proxy in front of Discord,
    /// or a test double. http is accepted only for a loopback address.</summary>
    public string? ApiBaseUrl { get; set; }
}

public enum DiscordMode { Gateway, Http }

/// <summary>The validated <c>discord</c> section. Secrets stay references until the adapter resolves them.</summary>
public sealed record DiscordSettings(
    DiscordMode Mode,
    string ApplicationId,
    string GuildId,
    string ChannelId,
    string? OnCallRoleId,
    SecretReference Token,
    string? PublicKeyHex,
    SecretReference? PublicKeyFrom,
    string ListenAddress,
    int ListenPort,
    string Path,
    TimeSpan TimestampWindow,
    bool RegisterCommandsAtStart)
{
    public const string DefaultListenAddress = "127.0.0.1";
    public const int DefaultListenPort = 8080;
    public const string DefaultPath = "/interactions";
    public static readonly TimeSpan DefaultTimestampWindow = TimeSpan.FromMinutes(5);
    public static readonly Uri DefaultApiBaseUrl = new("https://discord.com/api/v10/");

    /// <summary>Where the REST client sends its requests (discord.apiBaseUrl); always ends with /.</summary>
    public Uri ApiBaseUrl { get; init; } = DefaultApiBaseUrl;
}
