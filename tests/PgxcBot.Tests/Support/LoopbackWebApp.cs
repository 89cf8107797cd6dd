using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace PgxcBot.Tests.Support;

/// <summary>
/// A bare Kestrel app on a free loopback port (never a fixed one), for the tests' fakes of outside HTTP services
/// (Discord, an OTLP collector). Linked into the integration tests and the benchmarks with the fake Discord.
/// </summary>
internal static class LoopbackWebApp
{
    /// <summary>Builds the app (<paramref name="services"/> before the build; <paramref name="pipeline"/> after it:
    /// middleware and the handler), starts it and returns it with the address it listens on (ending in '/').
    /// The caller stops and disposes the app.</summary>
    public static async Task<(WebApplication App, Uri Address)> StartAsync(Action<WebApplication> pipeline,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        services?.Invoke(builder.Services);
        var app = builder.Build();
        pipeline(app);
        await app.StartAsync();
        // The addresses Kestrel bound (the real port for the 0 asked for).
        return (app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }
}
