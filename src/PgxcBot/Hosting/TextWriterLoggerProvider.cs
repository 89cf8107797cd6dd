using Microsoft.Extensions.Logging;

namespace PgxcBot.Hosting;

/// <summary>
/// Logs one line per entry to a <see cref="TextWriter"/> (stderr in the CLI), so that stdout carries only
/// the command's output. Messages come from message templates; callers never pass secrets into them.
/// </summary>
public sealed class TextWriterLoggerProvider(TextWriter writer, LogLevel minimum) : ILoggerProvider
{
    private readonly Lock gate = new();
    private readonly LogLevel minimumLevel = minimum;

    public ILogger CreateLogger(string categoryName) => new Logger(this, ShortName(categoryName));

    public void Dispose() { }

    private static string ShortName(string category) => category[(category.LastIndexOf('.') + 1)..];

    private void Write(string line)
    {
        lock (gate) writer.WriteLine(line);
    }

    private sealed class Logger(TextWriterLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.minimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{Level(logLevel)} {category}: {formatter(state, exception)}";
            // An error's stack says where it came from (a background service that stops the host, say); a warning's
            // exception is an expected failure the message already explains.
            if (exception is not null)
                line += logLevel >= LogLevel.Error ? $"\n{exception}" : $" ({exception.GetType().Name}: {exception.Message})";
            provider.Write(line);
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "crit",
        };
    }
}
