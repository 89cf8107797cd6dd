using System.Globalization;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Replicas;
using PgxcBot.Replicas;
using PgxcBot.Store.Postgres;
using PgxcBot.IntegrationTests.Store;

namespace PgxcBot.IntegrationTests.Replicas;

/// <summary>
/// One bot replica process on a shared PostgreSQL store, reduced to what the lease decides: the real election loop
/// (<see cref="LeaderElectionService"/>) with the store fenced by it, and, while active, the two duties whose doubling
/// would hurt: an outbox sender (each delivery is appended to ledger-dir/REPLICA.log before the entry is marked done,
/// as a chat post precedes its mark) and a step writer (a pair transition "REPLICA/EPOCH/N" every 100 ms, as a runbook
/// records its steps). Prints "ACTIVE EPOCH" and "STANDBY" on changes, "ENQUEUED ID" for an "alert TITLE" line on stdin.
/// </summary>
internal static class ReplicaChild
{
    public const string Role = "replica";

    /// <param name="args">connection string, replica id, lease seconds, ledger directory, "send" or "nosend"</param>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output)
    {
        if (args is not [var connectionString, var replica, var leaseText, var ledgerDir, var send]) return 64;
        var store = await PostgresStore.OpenAsync(connectionString, null, null, default);
        var elector = new LeaderElector(new PostgresLeaderLease(store, replica, TimeSpan.FromSeconds(double.Parse(leaseText, CultureInfo.InvariantCulture))),
            TimeProvider.System, NullLogger<LeaderElector>.Instance);
        store.FenceWith(elector);
        var outbox = new PostgresOutboxStore(store);
        var ledger = Path.Combine(ledgerDir, replica + ".log");
        var gate = new SemaphoreSlim(1, 1);
        async Task Say(string line)
        {
            await gate.WaitAsync();
            try
            {
                await output.WriteLineAsync(line);
                await output.FlushAsync();
            }
            finally
            {
                gate.Release();
            }
        }

        var election = new LeaderElectionService(elector, TimeProvider.System, NullLogger<LeaderElectionService>.Instance);
        await election.StartAsync(default);
        _ = Task.Run(async () =>
        {
            while (await input.ReadLineAsync() is { } line)
            {
                if (!line.StartsWith("alert ", StringComparison.Ordinal)) continue;
                var entry = OutboxEntry.New(DateTimeOffset.UtcNow, "chat", OutboxKind.Alert, "datanode1/" + line[6..], ChatMessage.Simple(line[6..], Severity.Critical, "down"));
                await outbox.EnqueueAsync([entry], default);
                var pending = await outbox.GetPendingAsync("chat", 100, default);
                await Say($"ENQUEUED {pending.Single(e => e.Nonce == entry.Nonce).Id}");
            }
        });
        await Say("ready");

        long? epoch = -1; // not a real epoch: the first round always says ACTIVE or STANDBY
        var step = 0;
        while (true)
        {
            var token = elector.Current;
            if (token?.Epoch != epoch)
            {
                epoch = token?.Epoch;
                await Say(token is null ? "STANDBY" : $"ACTIVE {token.Epoch}");
            }
            if (token is not null)
            {
                try
                {
                    step++;
                    await store.RecordTransitionAsync(new PairTransition("datanode1", DateTimeOffset.UtcNow, PairState.Sync, PairState.Sync, PairTrigger.ObservedSync,
                        $"{replica}/{token.Epoch}/{step}"), default);
                    if (send == "send")
                    {
                        foreach (var entry in await outbox.GetPendingAsync("chat", 10, default))
                        {
                            await File.AppendAllTextAsync(ledger, $"DELIVER {entry.Id} {replica} {token.Epoch}\n");
                            await outbox.CompleteAsync([entry.Id], OutboxOutcome.Delivered, DateTimeOffset.UtcNow, null, default);
                        }
                    }
                }
                catch (StoreUnavailableException e) when (e.InnerException is LeaseLostException)
                {
                    await Say($"REFUSED {step}");
                }
            }
            await Task.Delay(100);
        }
    }
}
