using PgxcBot.Core.Gtm;
using PgxcBot.Gtm;

namespace PgxcBot.IntegrationTests.Gtm;

/// <summary>
/// The GTM adapter against real Postgres-XC 1.2 and Postgres-XL 10r1.1 GTMs and datanodes. Each test builds
/// its own GTM (and datanodes) on free ports and removes them. Timings go to the test output.
/// </summary>
public sealed class RealGtmTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(4);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RegistrationWait = TimeSpan.FromSeconds(60);

    private readonly GtmClient _client = new(new GtmClientOptions(), TimeProvider.System, NullLogger<GtmClient>.Instance);

    [XcGtmFact]
    public Task Xc_probe_is_ok_while_the_gtm_runs_and_unreachable_once_it_stops() => ProbeLifecycleAsync(Flavor.PostgresXc);

    [XlGtmFact]
    public Task Xl_probe_is_ok_while_the_gtm_runs_and_unreachable_once_it_stops() => ProbeLifecycleAsync(Flavor.PostgresXl);

    [XcGtmFact]
    public async Task Xc_unregistered_datanode_keeps_serving_and_registers_again_only_when_restarted()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await RealGtmLab.StartAsync(Flavor.PostgresXc, cts.Token);
        var datanode = await lab.StartDatanodeAsync("datanode1", "datanode1", cts.Token);

        var registered = await WaitForRegistrationAsync(lab, datanode, GtmNodeStatus.Connected, cts.Token);
        // XC's postmaster registers its port and data directory; the address it sends is its host name.
        Assert.Equal(datanode.DataDir, registered.DataFolder);
        Assert.Equal(datanode.Port, registered.Port);

        await UnregisterTwiceAsync(lab, datanode, registered, cts.Token);
        Assert.Equal("1", await datanode.SelectOneAsync(cts.Token));

        // The postmaster registers once per start (its SIGUSR1 handler sets isNodeRegistered before calling
        // RegisterGTM), so only a restart brings the registration back.
        await lab.RunAsync("pg_ctl", ["stop", "-w", "-m", "fast", "-Z", "datanode", "-D", datanode.DataDir], cts.Token);
        await lab.RunAsync("pg_ctl", ["start", "-w", "-t", "60", "-Z", "datanode", "-D", datanode.DataDir, "-l", datanode.LogFile], cts.Token);
        var again = await WaitForRegistrationAsync(lab, datanode, GtmNodeStatus.Connected, cts.Token);
        Assert.Equal(datanode.DataDir, again.DataFolder);
        Assert.True(lab.GtmAlive());
    }

    [XlGtmFact]
    public async Task Xl_unregistered_datanode_keeps_serving_and_its_cluster_monitor_registers_it_again()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await RealGtmLab.StartAsync(Flavor.PostgresXl, cts.Token);
        var datanode = await lab.StartDatanodeAsync("datanode1", "datanode1", cts.Token);

        var registered = await WaitForRegistrationAsync(lab, datanode, GtmNodeStatus.Connected, cts.Token);
        // XL registers from its cluster monitor process, without port or data folder: the GTM cannot tell which
        // server holds the name (and has no folder to overwrite).
        Assert.Equal(("", 0), (registered.DataFolder, registered.Port));

        await UnregisterTwiceAsync(lab, datanode, registered, cts.Token);
        Assert.Equal("1", await datanode.SelectOneAsync(cts.Token));

        // The cluster monitor's next xmin report is refused (GTM_ERRCODE_NODE_NOT_REGISTERED); it exits, the
        // postmaster restarts it, and it registers the name again.
        var watch = Stopwatch.StartNew();
        await WaitForRegistrationAsync(lab, datanode, GtmNodeStatus.Connected, cts.Token);
        output.WriteLine($"XL: registered again {watch.Elapsed.TotalSeconds:0.0} s after the unregister");
        Assert.Contains("GTM_ERRCODE_NODE_NOT_REGISTERED - node_name datanode1", File.ReadAllText(lab.GtmLog), StringComparison.Ordinal);
        Assert.Contains("node not registered on the GTM", File.ReadAllText(datanode.LogFile), StringComparison.Ordinal);
        Assert.Equal("1", await datanode.SelectOneAsync(cts.Token));
    }

    [XcGtmFact]
    public async Task Xc_name_of_a_killed_master_reregisters_cleanly_from_a_longer_folder_after_unregister()
    {
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await RealGtmLab.StartAsync(Flavor.PostgresXc, cts.Token);

        // The runbook's case: the master dies (no unregister), its slave with a longer data directory is
        // promoted under the same node name. Here with unregister first, as the bot's promote must do.
        var master = await lab.StartDatanodeAsync("datanode1", "dn", cts.Token);
        await WaitForRegistrationAsync(lab, master, GtmNodeStatus.Connected, cts.Token);
        await master.KillAsync(cts.Token);
        var orphan = await WaitForRegistrationAsync(lab, master, GtmNodeStatus.Disconnected, cts.Token);
        Assert.Equal(master.DataDir, orphan.DataFolder);

        var unregister = await _client.UnregisterAsync(lab.Endpoint, lab.Flavor, GtmNodeType.Datanode, "datanode1", CallTimeout, cts.Token);
        Assert.Equal(GtmUnregisterOutcome.Unregistered, unregister.Outcome);
        Assert.Equal(GtmNodeStatus.Disconnected, unregister.Removed!.Status);

        var successor = await lab.StartDatanodeAsync("datanode1", "dn_a_much_longer_slave_directory", cts.Token);
        var fresh = await WaitForRegistrationAsync(lab, successor, GtmNodeStatus.Connected, cts.Token);
        Assert.Equal(new GtmNodeRegistration(GtmNodeType.Datanode, "datanode1", fresh.Host, successor.Port, successor.DataDir, "",
            GtmNodeStatus.Connected), fresh);
        Assert.True(lab.GtmAlive());
        Assert.True((await _client.ProbeAsync(lab.Endpoint, lab.Flavor, CallTimeout, cts.Token)).IsOk);
        Assert.Equal("1", await successor.SelectOneAsync(cts.Token));
    }

    [XcGtmFact]
    public async Task Xc_name_of_a_killed_master_reregistered_from_a_longer_folder_without_unregister_breaks_the_gtm()
    {
        // The field hazard itself: the GTM reuses the disconnected entry and copies the longer folder into the
        // old, shorter allocation (register_common.c, pgxcnode_add_info), overwriting whatever the heap holds
        // after it. Here the folder grows by 200 bytes, far past the allocator's rounding; measured on this
        // build: the GTM dies with a general protection fault at the next connection (its standby lookup walks
        // the node table, gtm_standby.c, find_standby_node_info), leaving no line in its log. A growth of about
        // 20 bytes instead garbled the entry's node type and the GTM lived on.
        using var cts = new CancellationTokenSource(Budget);
        await using var lab = await RealGtmLab.StartAsync(Flavor.PostgresXc, cts.Token);
        var master = await lab.StartDatanodeAsync("datanode1", "dn", cts.Token);
        await WaitForRegistrationAsync(lab, master, GtmNodeStatus.Connected, cts.Token);
        await master.KillAsync(cts.Token);
        await WaitForRegistrationAsync(lab, master, GtmNodeStatus.Disconnected, cts.Token);

        var successor = await lab.StartDatanodeAsync("datanode1", "dn_" + new string('s', 200), cts.Token);
        successor.SignalRegistration();
        // The registration arrives on the successor's own connection; the next connection (this probe) is the
        // first to walk the damaged table.
        var probe = await Poll.UntilAsync(() => _client.ListNodesAsync(lab.Endpoint, lab.Flavor, CallTimeout, cts.Token),
            l => !l.IsOk || l.Nodes.Any(n => n.Name == "datanode1" && n.DataFolder == successor.DataDir),
            RegistrationWait, "the successor's registration (or the GTM's end)", cts.Token);

        var alive = lab.GtmAlive();
        output.WriteLine($"GTM alive: {alive}; list: {probe.Status} {probe.Error}");
        foreach (var node in probe.Nodes) output.WriteLine($"  {node.Describe()}");
        output.WriteLine(RealGtmLab.Tail(lab.GtmLog, 6));
        var entry = probe.Nodes.SingleOrDefault(n => n.Name == "datanode1");
        Assert.True(!probe.IsOk || entry?.Type != GtmNodeType.Datanode,
            $"the GTM survived a {successor.DataDir.Length}-byte folder copied over a {master.DataDir.Length}-byte one with an intact entry");
    }

    private async Task ProbeLifecycleAsync(Flavor flavor)
    {
        using var cts = new CancellationTokenSource(Budget);
        var watch = Stopwatch.StartNew();
        await using var lab = await RealGtmLab.StartAsync(flavor, cts.Token);
        output.WriteLine($"{flavor}: GTM started on port {lab.GtmPort} in {watch.Elapsed.TotalSeconds:0.0} s");

        var first = await _client.ProbeAsync(lab.Endpoint, flavor, CallTimeout, cts.Token);
        var second = await _client.ProbeAsync(lab.Endpoint, flavor, CallTimeout, cts.Token);
        Assert.True(first.IsOk, first.Error);
        Assert.True(second.IsOk, second.Error);
        // The probe reads the next gxid without consuming one.
        Assert.Equal(first.NextGxid, second.NextGxid);
        output.WriteLine($"{flavor}: probe ok in {first.Elapsed.TotalMilliseconds:0} ms / {second.Elapsed.TotalMilliseconds:0} ms, next gxid {first.NextGxid}");

        var wrongFlavor = await _client.ProbeAsync(lab.Endpoint, flavor == Flavor.PostgresXc ? Flavor.PostgresXl : Flavor.PostgresXc, CallTimeout, cts.Token);
        Assert.Equal(GtmCallStatus.ProtocolError, wrongFlavor.Status);
        Assert.Contains("flavor", wrongFlavor.Error, StringComparison.Ordinal);
        output.WriteLine($"{flavor}: probed as the other flavor: {wrongFlavor.Error}");
        Assert.True((await _client.ProbeAsync(lab.Endpoint, flavor, CallTimeout, cts.Token)).IsOk, "the GTM must survive a wrong-flavor client");
        // Each call says goodbye ('X') before closing; XC logs every connection that just vanishes.
        Assert.DoesNotContain("unexpected EOF on client connection", File.ReadAllText(lab.GtmLog), StringComparison.Ordinal);

        await lab.StopGtmAsync(cts.Token);
        var down = await _client.ProbeAsync(lab.Endpoint, flavor, CallTimeout, cts.Token);
        Assert.Equal(GtmCallStatus.Unreachable, down.Status);
        Assert.Contains("connection refused", down.Error, StringComparison.Ordinal);
        output.WriteLine($"{flavor}: stopped GTM probed in {down.Elapsed.TotalMilliseconds:0} ms: {down.Error}");

        await lab.StartGtmAsync(cts.Token);
        var back = await _client.ProbeAsync(lab.Endpoint, flavor, CallTimeout, cts.Token);
        Assert.True(back.IsOk, back.Error);
        // A restarted GTM continues from its control file, never below where it was.
        Assert.True(back.NextGxid >= first.NextGxid, $"next gxid {back.NextGxid} after restart, {first.NextGxid} before");
    }

    /// <summary>Unregister (removed, verified gone), then again (not registered).</summary>
    private async Task UnregisterTwiceAsync(RealGtmLab lab, RealDatanode datanode, GtmNodeRegistration registered, CancellationToken ct)
    {
        var first = await _client.UnregisterAsync(lab.Endpoint, lab.Flavor, GtmNodeType.Datanode, datanode.Name, CallTimeout, ct);
        Assert.Equal(GtmUnregisterOutcome.Unregistered, first.Outcome);
        Assert.Equal(registered, first.Removed);
        output.WriteLine($"{lab.Flavor}: unregistered {first.Removed!.Describe()} in {first.Elapsed.TotalMilliseconds:0} ms");

        var list = await _client.ListNodesAsync(lab.Endpoint, lab.Flavor, CallTimeout, ct);
        Assert.True(list.IsOk, list.Error);
        Assert.Null(list.Find(GtmNodeType.Datanode, datanode.Name));

        var second = await _client.UnregisterAsync(lab.Endpoint, lab.Flavor, GtmNodeType.Datanode, datanode.Name, CallTimeout, ct);
        Assert.Equal(GtmUnregisterOutcome.NotRegistered, second.Outcome);
    }

    /// <summary>Polls the node list until <paramref name="datanode"/>'s name is registered with
    /// <paramref name="status"/>; nudges an XC postmaster to register (see <see cref="RealDatanode.SignalRegistration"/>).</summary>
    private async Task<GtmNodeRegistration> WaitForRegistrationAsync(RealGtmLab lab, RealDatanode datanode, GtmNodeStatus status, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        if (lab.Flavor == Flavor.PostgresXc && status == GtmNodeStatus.Connected) datanode.SignalRegistration();
        var list = await Poll.UntilAsync(() => _client.ListNodesAsync(lab.Endpoint, lab.Flavor, CallTimeout, ct),
            l => l.Find(GtmNodeType.Datanode, datanode.Name)?.Status == status,
            RegistrationWait, $"{datanode.Name} listed {status} on the {lab.Flavor} GTM", ct);
        var node = list.Find(GtmNodeType.Datanode, datanode.Name)!;
        output.WriteLine($"{lab.Flavor}: {node.Describe()} after {watch.Elapsed.TotalSeconds:0.0} s");
        return node;
    }
}
