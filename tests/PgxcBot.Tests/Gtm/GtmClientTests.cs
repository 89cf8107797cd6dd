using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgxcBot.Core.Gtm;
using PgxcBot.Gtm;
using PgxcBot.Lab.Faults;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Tests.Gtm;

/// <summary>The client against fake GTMs: deadlines, refusals, garbage and the unregister flow.</summary>
public sealed class GtmClientTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);
    // What a loaded 2-core machine shared with other sessions may add on top of a deadline (timer and
    // thread-pool latency): 1 s was once exceeded in a unit run beside a build (1.4 s for a 400 ms deadline). A
    // call without a hard deadline would run for Generous (10 s) or forever, so 5 s still tells the two apart.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    private static GtmClient Client(GtmClientOptions? options = null) =>
        new(options ?? new GtmClientOptions(), TimeProvider.System, NullLogger<GtmClient>.Instance);

    private static GtmNodeRegistration Datanode(string name, string folder, GtmNodeStatus status = GtmNodeStatus.Disconnected) =>
        new(GtmNodeType.Datanode, name, "localhost", 5432, folder, "", status);

    [Fact]
    public async Task Probe_of_a_serving_gtm_is_ok_and_reads_the_next_gxid()
    {
        await using var gtm = FakeGtm.Xc([], nextGxid: 12345);

        var result = await Client().ProbeAsync(gtm.Endpoint, Flavor.PostgresXc, Generous, CancellationToken.None);

        Assert.True(result.IsOk, result.Error);
        Assert.Equal(12345u, result.NextGxid);
        Assert.Null(result.Error);
        Assert.Equal([('C', 34)], gtm.Commands);
    }

    [Fact]
    public async Task Probe_of_a_closed_port_is_unreachable_at_once()
    {
        var port = FreePorts.Pick();
        var watch = Stopwatch.StartNew();

        var result = await Client().ProbeAsync(new GtmEndpoint("127.0.0.1", port), Flavor.PostgresXl, Generous, CancellationToken.None);

        Assert.Equal(GtmCallStatus.Unreachable, result.Status);
        Assert.Contains("connection refused", result.Error, StringComparison.Ordinal);
        Assert.Null(result.NextGxid);
        Assert.True(watch.Elapsed < Slack, $"took {watch.Elapsed} (the deadline was {Generous})");
    }

    [Fact]
    public async Task A_gtm_that_accepts_and_never_answers_costs_at_most_the_timeout()
    {
        await using var blackHole = new BlackHoleListener();
        var watch = Stopwatch.StartNew();

        var result = await Client().ProbeAsync(new GtmEndpoint("127.0.0.1", blackHole.Port), Flavor.PostgresXc, Short, CancellationToken.None);

        watch.Stop();
        Assert.Equal(GtmCallStatus.Timeout, result.Status);
        Assert.Contains("did not answer within 400 ms", result.Error, StringComparison.Ordinal);
        Assert.True(watch.Elapsed >= Short - TimeSpan.FromMilliseconds(50), $"gave up early: {watch.Elapsed}");
        Assert.True(watch.Elapsed < Short + Slack, $"took {watch.Elapsed} for a {Short} deadline");
        Assert.True(result.Elapsed < Short + Slack);
    }

    [Fact]
    public async Task A_gtm_trickling_bytes_cannot_stretch_the_deadline()
    {
        // One byte every 100 ms of an answer that never completes: a per-read timeout would never fire.
        await using var gtm = new FakeGtm(async (session, ct) =>
        {
            await session.ReadAsync(ct);
            await session.WriteAsync('R', [], ct);
            await session.ReadAsync(ct);
            await session.WriteRawAsync([(byte)'S', 0, 0, 16, 0], ct); // a 4 KB answer announced...
            while (true)
            {
                await Task.Delay(100, ct);
                await session.WriteRawAsync([0], ct); // ...and delivered a byte at a time
            }
        });
        var watch = Stopwatch.StartNew();

        var result = await Client().ListNodesAsync(gtm.Endpoint, Flavor.PostgresXc, Short, CancellationToken.None);

        Assert.Equal(GtmCallStatus.Timeout, result.Status);
        Assert.True(watch.Elapsed < Short + Slack, $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task The_connect_timeout_bounds_a_connect_that_gets_no_answer()
    {
        // A listener that never accepts, its backlog full: Linux drops further SYNs, so a connect hangs the
        // way it does towards a host that vanished.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 16; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                try { await filler.ConnectAsync(endpoint, wait.Token); }
                catch (OperationCanceledException) { break; } // the backlog is full now
            }
            var options = new GtmClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) };
            var watch = Stopwatch.StartNew();

            var result = await Client(options).ProbeAsync(new GtmEndpoint("127.0.0.1", endpoint.Port), Flavor.PostgresXc, Generous, CancellationToken.None);

            Assert.True(result.Status == GtmCallStatus.Unreachable, $"{result.Status}: {result.Error}");
            Assert.Contains("no TCP connection", result.Error, StringComparison.Ordinal);
            Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(250), $"gave up early: {watch.Elapsed}");
            Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(300) + Slack, $"took {watch.Elapsed}");
        }
        finally
        {
            foreach (var filler in fillers) filler.Dispose();
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 400 Bad Request\r\n\r\n")] // a web server on the GTM's port
    [InlineData("R\u0000\u0000\u0000\u0000")]          // a length word below 4
    [InlineData("S\u007f\u00ff\u00ff\u00ff")]          // a 2 GB length
    public async Task Garbage_answers_are_protocol_errors_not_exceptions(string garbage)
    {
        await using var gtm = new FakeGtm(async (session, ct) =>
        {
            await session.ReadAsync(ct);
            await session.WriteRawAsync(Encoding.Latin1.GetBytes(garbage), ct);
            await session.ReadAsync(ct); // hold the connection until the client leaves
        });

        var result = await Client().ProbeAsync(gtm.Endpoint, Flavor.PostgresXc, Generous, CancellationToken.None);

        Assert.Equal(GtmCallStatus.ProtocolError, result.Status);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    [Fact]
    public async Task A_gtm_that_hangs_up_after_the_startup_is_a_protocol_error()
    {
        await using var gtm = new FakeGtm(async (session, ct) =>
        {
            await session.ReadAsync(ct);
            await session.WriteAsync('R', [], ct);
            await session.ReadAsync(ct); // the request; then close without answering
        });

        var result = await Client().ProbeAsync(gtm.Endpoint, Flavor.PostgresXc, Generous, CancellationToken.None);

        Assert.Equal(GtmCallStatus.ProtocolError, result.Status);
        Assert.Contains("closed the connection", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_startup_refused_like_a_real_xc_gtm_refuses_an_xl_client_names_the_flavor()
    {
        byte[]? startup = null;
        await using var gtm = new FakeGtm(async (session, ct) =>
        {
            startup = (await session.ReadAsync(ct)).Body;
            await session.WriteAsync('E', Encoding.ASCII.GetBytes("SFATAL\0Minvalid message format\0\0"), ct);
        });

        var result = await Client().ProbeAsync(gtm.Endpoint, Flavor.PostgresXl, Generous, CancellationToken.None);

        Assert.Equal(GtmCallStatus.ProtocolError, result.Status);
        Assert.Contains("FATAL: invalid message format", result.Error, StringComparison.Ordinal);
        Assert.Contains("flavor (Postgres-XL)", result.Error, StringComparison.Ordinal);
        Assert.Equal(76, startup!.Length);
    }

    [Fact]
    public async Task Cancelling_the_caller_s_token_throws_instead_of_reporting_a_timeout()
    {
        await using var blackHole = new BlackHoleListener();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Client().ProbeAsync(new GtmEndpoint("127.0.0.1", blackHole.Port), Flavor.PostgresXc, Generous, cts.Token));
    }

    [Fact]
    public async Task List_returns_every_registration_with_its_folder_and_status()
    {
        List<GtmNodeRegistration> registry =
        [
            Datanode("datanode1", "/data/datanode1", GtmNodeStatus.Connected),
            new(GtmNodeType.Coordinator, "coord1", "10.0.0.5", 5433, "/data/coord1", "", GtmNodeStatus.Connected),
        ];
        await using var gtm = FakeGtm.Xc(registry);

        var result = await Client().ListNodesAsync(gtm.Endpoint, Flavor.PostgresXc, Generous, CancellationToken.None);

        Assert.True(result.IsOk, result.Error);
        Assert.Equal(registry, result.Nodes);
        Assert.Equal("/data/datanode1", result.Find(GtmNodeType.Datanode, "datanode1")?.DataFolder);
        Assert.Null(result.Find(GtmNodeType.Coordinator, "datanode1"));
    }

    [Fact]
    public async Task Unregister_removes_the_name_and_returns_what_was_registered()
    {
        var dead = Datanode("datanode1", "/data/datanode1");
        List<GtmNodeRegistration> registry = [dead, Datanode("datanode2", "/data/datanode2", GtmNodeStatus.Connected)];
        await using var gtm = FakeGtm.Xc(registry);

        var result = await Client().UnregisterAsync(gtm.Endpoint, Flavor.PostgresXc, GtmNodeType.Datanode, "datanode1", Generous, CancellationToken.None);

        Assert.Equal(GtmUnregisterOutcome.Unregistered, result.Outcome);
        Assert.Equal(dead, result.Removed);
        Assert.True(result.IsGone);
        Assert.Equal(["datanode2"], registry.Select(n => n.Name));
        Assert.Equal([('C', 6), ('C', 4), ('C', 6)], gtm.Commands); // list, unregister, list to verify
    }

    [Fact]
    public async Task Unregister_of_an_absent_name_sends_no_unregister_and_says_not_registered()
    {
        await using var gtm = FakeGtm.Xc([Datanode("datanode2", "/d2")]);

        var result = await Client().UnregisterAsync(gtm.Endpoint, Flavor.PostgresXc, GtmNodeType.Datanode, "datanode1", Generous, CancellationToken.None);

        Assert.Equal(GtmUnregisterOutcome.NotRegistered, result.Outcome);
        Assert.Null(result.Removed);
        Assert.Equal([('C', 6)], gtm.Commands);
    }

    [Fact]
    public async Task Unregister_matches_the_node_type_as_the_gtm_does()
    {
        // A coordinator named datanode1 is not the datanode datanode1.
        await using var gtm = FakeGtm.Xc([new(GtmNodeType.Coordinator, "datanode1", "h", 1, "/c", "", GtmNodeStatus.Connected)]);

        var result = await Client().UnregisterAsync(gtm.Endpoint, Flavor.PostgresXc, GtmNodeType.Datanode, "datanode1", Generous, CancellationToken.None);

        Assert.Equal(GtmUnregisterOutcome.NotRegistered, result.Outcome);
    }

    [Fact]
    public async Task A_refused_unregister_of_a_name_still_listed_fails_with_the_gtm_s_text()
    {
        List<GtmNodeRegistration> registry = [Datanode("datanode1", "/data/datanode1")];
        await using var gtm = FakeGtm.Xc(registry, refuseUnregister: true);

        var result = await Client().UnregisterAsync(gtm.Endpoint, Flavor.PostgresXc, GtmNodeType.Datanode, "datanode1", Generous, CancellationToken.None);

        Assert.Equal(GtmUnregisterOutcome.Failed, result.Outcome);
        Assert.Equal(GtmCallStatus.ServerError, result.FailureStatus);
        Assert.Contains("Failed to Unregister node", result.Error, StringComparison.Ordinal);
        Assert.Contains("still lists datanode datanode1", result.Error, StringComparison.Ordinal);
        Assert.False(result.IsGone);
    }

    [Fact]
    public async Task Unregister_against_an_unreachable_gtm_fails_and_says_where()
    {
        var endpoint = new GtmEndpoint("127.0.0.1", FreePorts.Pick());

        var result = await Client().UnregisterAsync(endpoint, Flavor.PostgresXl, GtmNodeType.Datanode, "datanode1", Generous, CancellationToken.None);

        Assert.Equal(GtmUnregisterOutcome.Failed, result.Outcome);
        Assert.Equal(GtmCallStatus.Unreachable, result.FailureStatus);
        Assert.Contains($"could not unregister datanode1 from the GTM at {endpoint}", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Datanode1")]
    [InlineData("datanode1; drop")]
    [InlineData("")]
    public async Task Unregister_refuses_names_that_are_not_node_names(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Client().UnregisterAsync(
            new GtmEndpoint("127.0.0.1", 6666), Flavor.PostgresXc, GtmNodeType.Datanode, name, Generous, CancellationToken.None));
    }

    [Fact]
    public async Task Calls_refuse_a_flavor_without_a_gtm_and_a_non_positive_timeout()
    {
        var endpoint = new GtmEndpoint("127.0.0.1", 6666);
        await Assert.ThrowsAsync<ArgumentException>(() => Client().ProbeAsync(endpoint, Flavor.PostgreSql, Generous, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Client().ListNodesAsync(endpoint, Flavor.PostgresXc, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public void Endpoint_refuses_hosts_and_ports_that_cannot_be_a_gtm()
    {
        Assert.Throws<ArgumentException>(() => new GtmEndpoint("host name", 6666));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GtmEndpoint("gtm1", 0));
        Assert.Equal("gtm1:6666", new GtmEndpoint("gtm1", 6666).ToString());
        Assert.Equal("[::1]:6666", new GtmEndpoint("::1", 6666).ToString());
    }

    [Fact]
    public void The_adapter_registers_itself_as_the_gtm_port()
    {
        var services = new ServiceCollection().AddLogging().AddPgxcBotGtm().BuildServiceProvider();
        Assert.IsType<GtmClient>(services.GetRequiredService<IGtmClient>());
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_when_the_client_is_built()
    {
        Assert.Throws<ArgumentException>(() => Client(new GtmClientOptions { ClientName = "" }));
        Assert.Throws<ArgumentException>(() => Client(new GtmClientOptions { ConnectTimeout = TimeSpan.Zero }));
    }
}
