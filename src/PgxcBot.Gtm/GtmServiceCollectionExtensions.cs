using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Gtm;

namespace PgxcBot.Gtm;

/// <summary>Registration of the GTM adapter.</summary>
public static class GtmServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IGtmClient"/> (a singleton <see cref="GtmClient"/>), the default
    /// <see cref="GtmClientOptions"/> unless one is registered already (tests replace it), and
    /// <see cref="TimeProvider.System"/> unless a time provider is registered. Needs logging registered.
    /// </summary>
    public static IServiceCollection AddPgxcBotGtm(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new GtmClientOptions());
        services.TryAddSingleton<IGtmClient>(p => new GtmClient(
            p.GetRequiredService<GtmClientOptions>(), p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<GtmClient>>()));
        return services;
    }
}
