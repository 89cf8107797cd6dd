using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Hosting;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot status</c>: one observation and assessment; exit 0 when healthy, 1 when a Warning or
/// worse exists. With --json, stdout holds only the JSON document.</summary>
internal static class StatusCliCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, CliArguments arguments, CliIo io, CancellationToken cancellationToken)
    {
        var status = await services.GetRequiredService<IClusterStatusSource>().GetAsync(cancellationToken);
        var assessment = status.Assessment;
        if (arguments.Json)
            await io.Out.WriteLineAsync(JsonSerializer.Serialize(StatusDocument.From(assessment), StatusDocument.SerializerOptions));
        else
            await io.Out.WriteAsync(PlainTextRenderer.Render(StatusMessageBuilder.Build(assessment, status.States)));
        return assessment.Worst >= Severity.Warning ? ExitCodes.Unhealthy : ExitCodes.Ok;
    }
}
