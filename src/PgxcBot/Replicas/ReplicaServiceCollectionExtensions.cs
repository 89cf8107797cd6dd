using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Outbox;
using PgxcBot.Core.Pairs;
using PgxcBot.Core.Replicas;
using PgxcBot.Hosting;
using PgxcBot.Monitoring.Http;
using PgxcBot.Store;
using PgxcBot.Store.Postgres;

namespace PgxcBot.Replicas;

/// <summary>Registration of the shared PostgreSQL store and of the replica's leader election.</summary>
public static class ReplicaServiceCollectionExtensions
{
    /// <summary>
    /// Registers the opened PostgreSQL store behind the store interfaces (<see cref="StoreServiceCollectionExtensions.AddPgxcBotPostgresStore"/>), the leader lease of this replica in it and
    /// the elector that fences the store's writes, the election loop and the takeover (resume, reconcile). Call
    /// <see cref="RunOnlyWhileActive"/> after every hosted service is registered.
    /// </summary>
    /// <param name="observer">For a one-shot read-only command (<c>pgxcbot status</c>, <c>timeline</c>): no election
    /// and no takeover. A Nagios check run every minute must neither write heartbeats under a replica's name nor take
    /// a free lease (it would resume an interrupted promote and exit half-way); never active, every write of its store
    /// is refused by the fence, and status reads without writing (<see cref="IReplicaRole.IsObserver"/>).</param>
    /// <param name="resumeOnTakeover">A serving bot finishes, on each takeover, what the previous active replica was
    /// running (<see cref="OperationService.TakeOverAsync"/>); a one-shot command that acts (run, console) and happens
    /// to hold the lease only reports operations whose runner is gone, since it exits right after its command.</param>
    public static IServiceCollection AddPgxcBotSharedStore(this IServiceCollection services, PostgresStore store, string replicaId, TimeSpan lease,
        bool observer = false, bool resumeOnTakeover = true)
    {
        services.AddSingleton(new TakeoverMode(resumeOnTakeover));
        services.AddPgxcBotPostgresStore(store);
        services.AddSingleton<ILeaderLease>(new PostgresLeaderLease(store, replicaId, lease));
        // An observer is fenced from its first statement, not only once something asks for the elector: it never writes.
        if (observer) store.FenceWith(NeverActive.Instance);
        services.AddSingleton(p =>
        {
            var elector = new LeaderElector(p.GetRequiredService<ILeaderLease>(), p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<LeaderElector>>());
            if (!observer) store.FenceWith(elector);
            return elector;
        });
        services.AddSingleton<IReplicaRole>(p => new ReplicaRole(p.GetRequiredService<LeaderElector>(), p.GetRequiredService<ILeaderLease>(), observer));
        if (!observer)
        {
            services.AddHostedService<LeaderElectionService>();
            services.AddHostedService<TakeoverService>();
        }
        // /healthz on both replicas says which is active; the standby's monitor does not poll, and is not stale.
        services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("replicas",
            p => new Monitoring.Health.ReplicaCheck(p.GetRequiredService<IReplicaRole>(), p.GetRequiredService<TimeProvider>()), null, null));
        return services;
    }

    /// <summary>
    /// Wraps every hosted service registered so far, except the election, the takeover and the HTTP endpoint (which
    /// both replicas serve, so /healthz tells which is active), in <see cref="ActiveOnlyHostedService"/>. The Discord
    /// adapter in HTTP-interactions mode is not wrapped either (<see cref="PgxcBot.Discord.DiscordAdapterService.ServesStandby"/>):
    /// the load balancer may hand an interaction to either replica, so both answer; the standby's dispatcher answers
    /// read-only commands and refuses every action (<see cref="PgxcBot.Discord.Interactions.InteractionDispatcher"/>).
    /// In gateway mode the adapter holds the one gateway session, on the active replica only.
    /// </summary>
    public static IServiceCollection RunOnlyWhileActive(this IServiceCollection services)
    {
        var always = new[] { typeof(LeaderElectionService), typeof(TakeoverService), typeof(MonitorHttpService) };
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService) && !always.Contains(d.ImplementationType)).ToList();
        foreach (var descriptor in hosted)
        {
            services.Remove(descriptor);
            services.AddSingleton<IHostedService>(p =>
            {
                var inner = Create(p, descriptor);
                return inner is PgxcBot.Discord.DiscordAdapterService { ServesStandby: true } ? inner
                    : new ActiveOnlyHostedService(inner, p.GetRequiredService<LeaderElector>(), p.GetRequiredService<ILogger<ActiveOnlyHostedService>>());
            });
        }
        return services;
    }

    /// <summary>The fence of an observer: it holds no lease, so the store refuses every write of bot state.</summary>
    private sealed class NeverActive : IWriteFence
    {
        public static readonly NeverActive Instance = new();
        public LeaseToken? Current => null;
    }

    private static IHostedService Create(IServiceProvider provider, ServiceDescriptor descriptor) =>
        descriptor.ImplementationInstance as IHostedService
        ?? (IHostedService?)descriptor.ImplementationFactory?.Invoke(provider)
        ?? (IHostedService)ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!);
}
