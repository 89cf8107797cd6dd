using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PgxcBot.Core.Messages;
using PgxcBot.Hosting;

namespace PgxcBot.Cli;

/// <summary><c>pgxcbot status</c>: one observation and assessment; exits with the Nagios code of the worst problem
/// (<see cref="NagiosCodes"/>: 0 OK, 1 WARNING, 2 CRITICAL; 3 UNKNOWN is the caller's when it cannot run). With
/// --json, stdout holds only the JSON document.</summary>
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
        if (arguments.Png is { } file)
        {
            // The path goes to stderr with --json, so that stdout stays one JSON document.
            var image = await services.GetRequiredService<Pictures.ChatPictures>().LagAsync(null, TimeSpan.FromHours(1), cancellationToken);
            var line = await Pictures.PictureFiles.SaveFirstAsync(ChatMessage.Simple("lag", Core.Assessment.Severity.Info) with { Images = [image] }, file, cancellationToken);
            await (arguments.Json ? io.Error : io.Out).WriteLineAsync(line);
        }
        return NagiosCodes.For(assessment.Worst);
    }
}
