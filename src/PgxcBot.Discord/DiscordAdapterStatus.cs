namespace PgxcBot.Discord;

/// <summary>Why the adapter stopped for good (e.g. a rejected token), for <c>pgxcbot serve</c> to report and exit non-zero.</summary>
public sealed class DiscordAdapterStatus
{
    private volatile string? _failure;

    public string? Failure => _failure;

    internal void Fail(string reason) => _failure = reason;
}
