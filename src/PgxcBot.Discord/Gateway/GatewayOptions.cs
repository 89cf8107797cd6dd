namespace PgxcBot.Discord.Gateway;

/// <summary>Gateway timings; tests shorten them.</summary>
public sealed class GatewayOptions
{
    /// <summary>Random in [0,1): the first heartbeat waits interval × jitter, as Discord asks.</summary>
    public Func<double> Jitter { get; set; } = Random.Shared.NextDouble;
    /// <summary>After Invalid Session Discord's older docs ask for a random 1-5 s wait.</summary>
    public TimeSpan InvalidSessionDelayMin { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan InvalidSessionDelayMax { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Reconnect back-off after consecutive failed connections: base × 2^n, ±50 % jitter, capped.</summary>
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>How long to wait for Hello after connecting.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
