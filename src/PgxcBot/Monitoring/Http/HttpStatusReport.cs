using PgxcBot.Cli;

namespace PgxcBot.Monitoring.Http;

/// <summary>
/// The serving bot's status over HTTP (<c>GET /status</c>, <c>GET /status.json</c>): what <c>pgxcbot status</c> prints,
/// observed now by this process on its warm connections (pooled, statements prepared) instead of by a one-shot process
/// that opens a fresh connection, and so a fresh server session, to every server. On the lab host a fresh session
/// costs each server about 50 ms of CPU for the probe's statements (PostgreSQL 15, catalog caches cold), so 130 servers
/// on 2 cores cannot be observed by a new process in under 3 s; the running bot does it in a fraction of that. Never the
/// monitor's stored state: each request observes the servers (<see cref="Hosting.IClusterStatusSource"/>). One request
/// observes at a time; the others wait for it and then observe themselves.
/// </summary>
public sealed class HttpStatusReport(IServiceProvider services) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>The status text (or JSON document with <paramref name="json"/>) and its Nagios code (0 OK, 1 WARNING,
    /// 2 CRITICAL), as <c>pgxcbot status [--json]</c> gives them.</summary>
    public async Task<(string Body, int NagiosCode)> RenderAsync(bool json, CancellationToken cancellationToken)
    {
        await _one.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var io = new CliIo(TextReader.Null, output, error, InputRedirected: true);
            var code = await StatusCliCommand.RunAsync(services, new CliArguments("status", null, json, Verbose: false, Help: false), io,
                cancellationToken, reuseStartupObservation: false).ConfigureAwait(false);
            return (output.ToString(), code);
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();
}
