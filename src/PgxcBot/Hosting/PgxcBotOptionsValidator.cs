using Microsoft.Extensions.Options;
using PgxcBot.Core.Topology;

namespace PgxcBot.Hosting;

/// <summary>Runs <see cref="ConfigValidator"/> when the host starts (ValidateOnStart), so no service
/// ever sees an invalid configuration. Every error is reported, with its path.</summary>
internal sealed class PgxcBotOptionsValidator(string? baseDirectory) : IValidateOptions<PgxcBotOptions>
{
    public ValidateOptionsResult Validate(string? name, PgxcBotOptions options)
    {
        var report = ConfigValidator.Validate(options, baseDirectory);
        return report.HasErrors
            ? ValidateOptionsResult.Fail(report.Errors.Select(e => e.ToString()))
            : ValidateOptionsResult.Success;
    }
}
