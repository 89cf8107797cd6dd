using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Outbox;

namespace PgxcBot.Outbox;

/// <summary>Runs one <see cref="OutboxSender"/> per registered <see cref="IOutboxChannel"/> for the life of the host.</summary>
public sealed class OutboxSenderService : BackgroundService
{
    private readonly IReadOnlyDictionary<string, OutboxSender> _senders;

    public OutboxSenderService(IEnumerable<IOutboxChannel> channels, IOutboxStore store, OutboxSenderOptions options, TimeProvider time, ILoggerFactory loggers,
        Pictures.ChatPictures? pictures = null)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(loggers);
        var senders = new Dictionary<string, OutboxSender>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            if (senders.ContainsKey(channel.Target))
                throw new InvalidOperationException($"two chat channels deliver the outbox target '{channel.Target}'; each target has one sender.");
            senders[channel.Target] = new OutboxSender(store, channel, options, time, loggers.CreateLogger<OutboxSender>(), pictures);
        }
        _senders = senders;
    }

    /// <summary>The sender of <paramref name="target"/>, or null when no channel delivers it in this process.</summary>
    public OutboxSender? For(string target) => _senders.GetValueOrDefault(target);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_senders.Values.Select(s => Task.Run(() => s.RunAsync(stoppingToken), CancellationToken.None)));
}
