using Microsoft.Extensions.Logging;
using PgxcBot.Hosting;

namespace PgxcBot.Tests.Hosting;

/// <summary>The CLI's stderr log: one line per warning, the stack with an error (what stopped the host, and where).</summary>
public sealed class TextWriterLoggerProviderTests
{
    private static Exception Thrown()
    {
        try
        {
            throw new InvalidOperationException("Exception while reading from stream");
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }

    [Fact]
    public void An_error_carries_its_stack_and_a_warning_stays_one_line()
    {
        var writer = new StringWriter();
        using var provider = new TextWriterLoggerProvider(writer, LogLevel.Warning);
        var logger = provider.CreateLogger("Microsoft.Extensions.Hosting.Internal.Host");

        logger.LogWarning(Thrown(), "Probe failed");
        var warning = writer.ToString();
        Assert.Equal("warn Host: Probe failed (InvalidOperationException: Exception while reading from stream)" + Environment.NewLine, warning);

        logger.LogError(Thrown(), "BackgroundService failed");
        var error = writer.ToString()[warning.Length..];
        Assert.StartsWith("error Host: BackgroundService failed" + "\n" + "System.InvalidOperationException: Exception while reading from stream", error);
        Assert.Contains(nameof(TextWriterLoggerProviderTests) + ".Thrown", error);

        logger.LogInformation("not written below the minimum");
        Assert.DoesNotContain("not written", writer.ToString());
    }
}
