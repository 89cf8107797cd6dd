using System.Runtime.InteropServices;

namespace PgxcBot.Cli;

/// <summary>
/// Turns Ctrl+C (SIGINT), SIGTERM, SIGQUIT and a closed terminal (SIGHUP) into a clean stop: the first one cancels
/// <see cref="Stopping"/> instead of killing the process, so the console leaves its read, the host stops
/// and a lab tears its servers down (SIGHUP's default would leave them running). Later signals are
/// absorbed while that stop runs. Owned by Program.cs; disposing it restores the default handling.
/// </summary>
public sealed class CliSignals : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public CliSignals()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    /// <summary>Cancelled at the first signal.</summary>
    public CancellationToken Stopping => _stopping.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        // Not on the signal thread: cancelling runs the whole stop (host, lab teardown) through its callbacks.
        // The host has no handler of its own (CliHostLifetime): this is the only one.
        if (Interlocked.Exchange(ref _signalled, 1) == 0) _ = Task.Run(_stopping.Cancel);
    }

    private int _signalled;

    /// <summary>Restores the default signal handling. The token source is left to the collector: a signal
    /// handled just before must still be able to cancel it.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
    }
}

/// <summary>
/// A console stream that outlives its terminal: once the terminal is closed (SIGHUP), writes fail with EIO,
/// and a failing "stopping the servers" line must not stop the lab's teardown. Write errors are dropped:
/// there is nobody left to read them.
/// </summary>
internal sealed class ForgivingWriter(TextWriter inner) : TextWriter
{
    public override System.Text.Encoding Encoding => inner.Encoding;

    private void Try(Action write)
    {
        try { write(); }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    public override void Write(char value) => Try(() => inner.Write(value));
    public override void Write(string? value) => Try(() => inner.Write(value));
    public override void Write(char[] buffer, int index, int count) => Try(() => inner.Write(buffer, index, count));
    public override void WriteLine(string? value) => Try(() => inner.WriteLine(value));
    public override void Flush() => Try(inner.Flush);
}
