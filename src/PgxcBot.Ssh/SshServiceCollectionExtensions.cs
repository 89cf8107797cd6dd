using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Topology;

namespace PgxcBot.Ssh;

/// <summary>Registration of the shell adapter (SSH, and the local transport for hosts marked local).</summary>
public static class SshServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IRemoteShell"/> as the <see cref="TransportRouter"/> over <see cref="SshRemoteShell"/> and
    /// <see cref="LocalShell"/>. The whole SSH connect (TCP, handshake, login) gets <c>monitor.connectTimeoutSeconds</c>
    /// (<see cref="MonitorSettings.ConnectTimeout"/>), as a PostgreSQL connect does. Needs logging, an
    /// <see cref="ISecretResolver"/> and the <see cref="ClusterTopology"/> registered.
    /// </summary>
    public static IServiceCollection AddPgxcBotSsh(this IServiceCollection services)
    {
        services.AddSingleton(provider => new SshRemoteShell(provider.GetRequiredService<ISecretResolver>(),
            provider.GetRequiredService<ClusterTopology>().Monitor.ConnectTimeout, provider.GetRequiredService<ILogger<SshRemoteShell>>()));
        services.AddSingleton<LocalShell>();
        services.AddSingleton<IRemoteShell, TransportRouter>();
        return services;
    }
}
