namespace PgxcBot.Core.Topology;

/// <summary>One validation run: collects issues while building the topology piece by piece.</summary>
internal sealed partial class Validation(PgxcBotOptions options, string? baseDirectory)
{
    private readonly List<ConfigIssue> errors = [];
    private readonly List<ConfigIssue> warnings = [];
    // Hosts by name (first definition wins); datanodes and coordinators share pgxc_node's namespace.
    private readonly Dictionary<string, (string Path, Host? Host, string Address)> hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> nodeNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> endpoints = new(StringComparer.OrdinalIgnoreCase);
    // Data and archive directories seen so far, per machine (see CheckDirectoryClash).
    private readonly List<(string Machine, string Directory, string Host, string Path, bool IsDataDir)> directories = [];

    public ConfigReport Run(IReadOnlyList<ConfigIssue> loaderErrors)
    {
        errors.AddRange(loaderErrors);
        loaderPaths.UnionWith(loaderErrors.Select(e => e.Path));
        var flavor = CheckFlavor();
        var hostList = CheckHosts();
        var datanodes = CheckDatanodes();
        var coordinators = CheckCoordinators(flavor);
        var database = CheckDatabase();
        var monitor = CheckMonitor();
        var store = CheckStore();
        var sharedStore = CheckSharedStore();
        var approvals = CheckApprovals();
        var discord = CheckDiscord();
        var alerts = AlertValidation.Check(options.Alerts, Error);
        var gtm = CheckGtm(flavor);
        var telemetry = CheckTelemetry();
        if (flavor == Flavor.PostgresXl)
        {
            foreach (var (pair, i) in datanodes.Select((d, i) => (d, i)))
            {
                if (pair.Slave is not null && (pair.Master.PoolerPort is null || pair.Slave.PoolerPort is null))
                    Warn($"datanodes[{i}]", $"{pair.Name}: give the master and the slave each its own poolerPort (Postgres-XL runs a pooler per server and a base backup copies the master's pooler_port, so a new slave on a shared host cannot start); add-slave, rebuild and switchover are refused without them.");
            }
        }

        if (errors.Count > 0 || flavor is null || database is null || monitor is null || store is null || alerts is null || telemetry is null)
            return new ConfigReport(errors, warnings, null);
        return new ConfigReport(errors, warnings,
            new ClusterTopology(flavor.Value, hostList, datanodes, coordinators, database, monitor, store) { Approvals = approvals, Discord = discord, Alerts = alerts, Gtm = gtm, Telemetry = telemetry, SharedStore = sharedStore });
    }

    private readonly HashSet<string> loaderPaths = new(StringComparer.Ordinal);

    // A value the loader already rejected (wrong type) was not bound: saying "missing" too would mislead,
    // and so would a complaint about the object holding it (a secret reference whose env was a number is
    // not also "neither env nor file").
    private void Error(string path, string message)
    {
        if (!loaderPaths.Contains(path) && !loaderPaths.Any(p => p.StartsWith(path + ".", StringComparison.Ordinal) || p.StartsWith(path + "[", StringComparison.Ordinal)))
            errors.Add(new ConfigIssue(path, message));
    }
    private void Warn(string path, string message) => warnings.Add(new ConfigIssue(path, message));

    private Flavor? CheckFlavor()
    {
        const string valid = "postgres-xc | postgres-xl | postgresql";
        if (string.IsNullOrWhiteSpace(options.Flavor))
        {
            Error("flavor", $"missing. Give the software that runs the cluster: {valid}.");
            return null;
        }
        var flavor = ConfigValidator.ParseFlavor(options.Flavor);
        if (flavor is null)
            Error("flavor", $"\"{ConfigRules.Show(options.Flavor)}\" is not a known flavor; expected one of {valid}.");
        return flavor;
    }

    private List<Host> CheckHosts()
    {
        var result = new List<Host>();
        for (var i = 0; i < options.Hosts.Count; i++)
        {
            var h = options.Hosts[i];
            var path = $"hosts[{i}]";
            var errorsBefore = errors.Count;

            var name = CheckHostLabel($"{path}.name", h.Name);
            var address = h.Address;
            if (string.IsNullOrWhiteSpace(address))
                Error($"{path}.address", "missing. Give the DNS name or IP address the bot uses for SSH and PostgreSQL, e.g. \"node01\" or \"192.0.2.11\".");
            else
                Check($"{path}.address", FieldRules.Address(address));

            var transport = TransportKind.Ssh;
            if (h.Transport is not null)
            {
                switch (h.Transport.Trim().ToLowerInvariant())
                {
                    case "ssh": transport = TransportKind.Ssh; break;
                    case "local": transport = TransportKind.Local; break;
                    default:
                        Error($"{path}.transport", $"\"{ConfigRules.Show(h.Transport)}\" is not a transport; expected ssh (default) or local (run on this machine, for a lab).");
                        break;
                }
            }

            var sshPort = h.SshPort ?? ConfigValidator.DefaultSshPort;
            CheckPort($"{path}.sshPort", sshPort);

            Check($"{path}.user", FieldRules.Name(h.User, NameRule.OsUser, "postgresxc",
                "Give the OS user the runbook commands run as (the runbook's \"postgresxc\")."));

            if (transport == TransportKind.Ssh)
                CheckSsh(path, h, sshPort);
            CheckSecret($"{path}.keyPassphrase", h.KeyPassphrase);
            if (h.PgBinDir is not null) Check($"{path}.pgBinDir", FieldRules.RemotePath(h.PgBinDir));

            if (name is null) continue;
            if (hosts.TryGetValue(name, out var first))
            {
                Error($"{path}.name", $"\"{name}\" is already defined at {first.Path}; host names must be unique.");
                continue;
            }
            Host? host = null;
            if (errors.Count == errorsBefore)
            {
                host = new Host(name, address!, transport, sshPort, h.User!, h.HostKeyFingerprint, h.KeyFile, h.KeyPassphrase) { PgBinDir = h.PgBinDir };
                result.Add(host);
            }
            hosts[name] = (path, host, string.IsNullOrWhiteSpace(address) ? name : address);
        }
        return result;
    }

    private void CheckSsh(string path, HostOptions h, int sshPort)
    {
        if (string.IsNullOrWhiteSpace(h.KeyFile))
            Error($"{path}.keyFile", "missing. SSH needs a private key file, e.g. \"/etc/pgxcbot/id_ed25519\" (readable only by the bot).");
        else
            Check($"{path}.keyFile", FieldRules.LocalFile(h.KeyFile, "/etc/pgxcbot/id_ed25519"));

        var where = string.IsNullOrWhiteSpace(h.Address) || !ConfigRules.IsAddress(h.Address) ? "HOST" : h.Address;
        var howToGet = $"Get it on a trusted network with: ssh-keyscan -p {sshPort} {where} | ssh-keygen -lf -";
        if (string.IsNullOrWhiteSpace(h.HostKeyFingerprint))
            Error($"{path}.hostKeyFingerprint", $"missing. The bot never trusts a host key on first use, so the key must be pinned. {howToGet}");
        else if (!ConfigRules.Fingerprint().IsMatch(h.HostKeyFingerprint))
            Error($"{path}.hostKeyFingerprint", $"\"{ConfigRules.Show(h.HostKeyFingerprint)}\" is not in the form SHA256:<43 base64 characters>. {howToGet}");
    }

    private List<DatanodePair> CheckDatanodes()
    {
        var result = new List<DatanodePair>();
        if (options.Datanodes.Count == 0)
            Error("datanodes", "no datanode is configured; add at least one { \"name\", \"master\": {host, port, dataDir}, \"slave\": {...} }.");
        for (var i = 0; i < options.Datanodes.Count; i++)
        {
            var d = options.Datanodes[i];
            var path = $"datanodes[{i}]";
            var name = CheckNodeName($"{path}.name", d.Name, "datanode");

            ServerLocation? master = null;
            if (d.Master is null)
                Error($"{path}.master", "missing. Give the master's { \"host\", \"port\", \"dataDir\" }.");
            else
                master = WithPooler($"{path}.master", CheckServer($"{path}.master", d.Master.Host, d.Master.Port, d.Master.DataDir, name, "master"), d.Master.PoolerPort);

            ServerLocation? slave = null;
            var applicationName = $"{name ?? "datanode"}_slave";
            if (d.Slave is null)
            {
                Warn($"{path}.slave", $"no slave: {name ?? "this datanode"} has no standby, so if its master fails its data is unavailable until the server is repaired.");
            }
            else
            {
                slave = WithPooler($"{path}.slave", CheckServer($"{path}.slave", d.Slave.Host, d.Slave.Port, d.Slave.DataDir, name, "slave"), d.Slave.PoolerPort);
                if (d.Slave.ApplicationName is { } app)
                {
                    applicationName = app;
                    Check($"{path}.slave.applicationName", FieldRules.Name(app, NameRule.ApplicationName, $"{name ?? "datanode1"}_slave",
                        $"Give the slave's application_name as synchronous_standby_names lists it, e.g. \"{name ?? "datanode1"}_slave\"."));
                }
                if (d.Slave.ArchiveDir is { } archive && Check($"{path}.slave.archiveDir", FieldRules.RemotePath(archive)) && slave is not null)
                    CheckDirectoryClash($"{path}.slave.archiveDir", slave.HostName, slave.Address, archive, isDataDir: false);
                if (master is not null && slave is not null && master.HostName == slave.HostName)
                    Warn($"{path}.slave.host", $"master and slave are both on {slave.HostName}: fine for a lab, useless for HA: one host failure loses both.");
            }

            if (name is not null && master is not null && (d.Slave is null || slave is not null))
                result.Add(new DatanodePair(name, master, slave, applicationName, d.Slave?.ArchiveDir));
        }
        return result;
    }

    private List<Coordinator> CheckCoordinators(Flavor? flavor)
    {
        var result = new List<Coordinator>();
        // The flavor describes the datanode servers; plain PostgreSQL datanodes behind (simulated or real
        // Postgres-XL) coordinators is how the lab runs, so coordinators are allowed with every flavor.
        if (flavor is not null and not Flavor.PostgreSql && options.Coordinators.Count == 0)
            Warn("coordinators", "none configured: the bot cannot check or repoint where coordinators route each datanode after a failover.");

        for (var i = 0; i < options.Coordinators.Count; i++)
        {
            var c = options.Coordinators[i];
            var path = $"coordinators[{i}]";
            var name = CheckNodeName($"{path}.name", c.Name, "coordinator");
            var address = CheckHostReference($"{path}.host", c.Host);
            var portOk = c.Port is null
                ? Fail($"{path}.port", "missing. Give the coordinator's PostgreSQL port, e.g. 20004.")
                : Check($"{path}.port", FieldRules.Port(c.Port.Value));
            if (address is not null && portOk)
                CheckEndpoint($"{path}.port", address, c.Port!.Value, c.Host!);
            if (name is not null && address is not null && portOk)
                result.Add(new Coordinator(name, c.Host!, address, c.Port!.Value));
        }
        return result;
    }

    private ServerLocation? WithPooler(string path, ServerLocation? server, int? poolerPort)
    {
        if (poolerPort is not { } port) return server;
        if (!CheckPort($"{path}.poolerPort", port)) return null;
        if (server is not null && port == server.Port)
        {
            Error($"{path}.poolerPort", $"{port} is the server's own PostgreSQL port; the pooler needs a port of its own.");
            return null;
        }
        if (server is not null) CheckEndpoint($"{path}.poolerPort", server.Address, port, server.HostName);
        return server is null ? null : server with { PoolerPort = port };
    }

    private GtmSettings? CheckGtm(Flavor? flavor)
    {
        if (options.Gtm is not { } g)
        {
            if (flavor is Flavor.PostgresXc or Flavor.PostgresXl)
                Warn("gtm", "not configured: without it the bot cannot tell a GTM outage from every node failing at once, and a promote cannot unregister the old node name from the GTM first (Postgres-XC's GTM once crashed re-registering it). Add \"gtm\": { \"host\": ..., \"port\": ... }.");
            return null;
        }
        if (flavor == Flavor.PostgreSql)
            Warn("gtm", "plain PostgreSQL has no GTM; the section is only used with postgres-xc and postgres-xl.");
        GtmServer? Server(string path, string name, string? host, int? port, int example)
        {
            var address = CheckHostReference($"{path}.host", host);
            var portOk = port is null ? Fail($"{path}.port", $"missing. Give the port it listens on, e.g. {example}.") : CheckPort($"{path}.port", port.Value);
            if (address is not null && portOk) CheckEndpoint($"{path}.port", address, port!.Value, host!);
            return address is not null && portOk ? new GtmServer(name, host!, address, port!.Value) : null;
        }
        var gtm = Server("gtm", "gtm", g.Host, g.Port, 6666);
        if (g.DataDir is not null && ConfigRules.CheckPath(g.DataDir) is { } problem) Error("gtm.dataDir", problem);
        var proxies = new List<GtmServer>();
        for (var i = 0; i < g.Proxies.Count; i++)
        {
            var p = g.Proxies[i];
            var name = CheckNodeName($"gtm.proxies[{i}].name", p.Name, "gtm proxy");
            if (Server($"gtm.proxies[{i}]", name ?? "proxy", p.Host, p.Port, 6667) is { } proxy && name is not null) proxies.Add(proxy);
        }
        return gtm is null ? null : new GtmSettings(gtm, g.DataDir, proxies);
    }

    private DatabaseCredentials? CheckDatabase()
    {
        var db = options.Database;
        var ok = Check("database.user", FieldRules.Name(db.User, NameRule.Role, "postgresxc",
            "Give the PostgreSQL role the bot connects as (the runbook's \"postgresxc\")."));
        var database = db.Database ?? ConfigValidator.DefaultDatabase;
        ok &= Check("database.database", FieldRules.Name(database, NameRule.Database, ConfigValidator.DefaultDatabase,
            "Give the database the bot connects to; the default is \"postgres\"."));
        ok &= CheckSecret("database.password", db.Password);
        return ok ? new DatabaseCredentials(db.User!, database, db.Password) : null;
    }

    private MonitorSettings? CheckMonitor()
    {
        var m = options.Monitor;
        var d = MonitorSettings.Default;
        var ok = true;
        ok &= Duration("monitor.intervalSeconds", m.IntervalSeconds, DurationRule.Interval, d.Interval, out var interval);
        ok &= Duration("monitor.connectTimeoutSeconds", m.ConnectTimeoutSeconds, DurationRule.ConnectTimeout, d.ConnectTimeout, out var connect);
        ok &= Duration("monitor.commandTimeoutSeconds", m.CommandTimeoutSeconds, DurationRule.CommandTimeout, d.CommandTimeout, out var command);
        ok &= Duration("monitor.lagWarningSeconds", m.LagWarningSeconds, DurationRule.LagSeconds, d.LagWarning, out var lagWarning);
        ok &= Duration("monitor.lagCriticalSeconds", m.LagCriticalSeconds, DurationRule.LagSeconds with { Default = 60 }, d.LagCritical, out var lagCritical);
        ok &= Bytes("monitor.lagWarningBytes", m.LagWarningBytes, d.LagWarningBytes, out var warningBytes);
        ok &= Bytes("monitor.lagCriticalBytes", m.LagCriticalBytes, d.LagCriticalBytes, out var criticalBytes);
        ok &= Bytes("monitor.walRetainedWarningBytes", m.WalRetainedWarningBytes, d.WalRetainedWarningBytes, out var walWarning, WalRetainedWhy);
        ok &= Bytes("monitor.walRetainedCriticalBytes", m.WalRetainedCriticalBytes, d.WalRetainedCriticalBytes, out var walCritical, WalRetainedWhy);
        ok &= Duration("monitor.preparedTransactionWarningSeconds", m.PreparedTransactionWarningSeconds, DurationRule.PreparedAge, d.PreparedWarning, out var preparedWarning);
        ok &= Duration("monitor.preparedTransactionCriticalSeconds", m.PreparedTransactionCriticalSeconds, DurationRule.PreparedAge with { Default = 900 }, d.PreparedCritical, out var preparedCritical);
        var commitWatch = d.CommitWatchInterval;
        if (m.CommitWatchSeconds is 0) commitWatch = TimeSpan.Zero;
        else ok &= Duration("monitor.commitWatchSeconds", m.CommitWatchSeconds, DurationRule.CommitWatch, d.CommitWatchInterval, out commitWatch);
        if (walWarning > walCritical)
            ok = Fail("monitor.walRetainedWarningBytes", $"{walWarning} is above monitor.walRetainedCriticalBytes ({walCritical}); the warning level must be at most the critical level.");
        if (preparedWarning > preparedCritical)
            ok = Fail("monitor.preparedTransactionWarningSeconds", $"{ConfigValidator.Format(preparedWarning.TotalSeconds)} is above monitor.preparedTransactionCriticalSeconds ({ConfigValidator.Format(preparedCritical.TotalSeconds)}); the warning level must be at most the critical level.");
        if (warningBytes > criticalBytes)
            ok = Fail("monitor.lagWarningBytes", $"{warningBytes} is above monitor.lagCriticalBytes ({criticalBytes}); the warning level must be at most the critical level.");
        if (lagWarning > lagCritical)
            ok = Fail("monitor.lagWarningSeconds", $"{ConfigValidator.Format(lagWarning.TotalSeconds)} is above monitor.lagCriticalSeconds ({ConfigValidator.Format(lagCritical.TotalSeconds)}); the warning level must be at most the critical level.");
        // Only when the operator chose one of them: the built-in defaults are the lead's decision.
        if (ok && connect >= interval && (m.IntervalSeconds is not null || m.ConnectTimeoutSeconds is not null))
            Warn("monitor.connectTimeoutSeconds", $"{ConfigValidator.Format(connect.TotalSeconds)} s is not shorter than monitor.intervalSeconds ({ConfigValidator.Format(interval.TotalSeconds)} s): one black-holed host makes every round late. Use a connect timeout below the interval.");
        var http = m.HttpListen is null ? null : HttpListen(m.HttpListen);
        if (m.HttpListen is not null && http is null) ok = false;
        return ok
            ? new MonitorSettings(interval, connect, command, warningBytes, criticalBytes, lagWarning, lagCritical)
            {
                HttpListen = http,
                WalRetainedWarningBytes = walWarning,
                WalRetainedCriticalBytes = walCritical,
                PreparedWarning = preparedWarning,
                PreparedCritical = preparedCritical,
                CommitWatchInterval = commitWatch,
            }
            : null;
    }

    /// <summary>"127.0.0.1:9187", "[::1]:9187" or "localhost:9187"; a host name would need a lookup at start.</summary>
    private System.Net.IPEndPoint? HttpListen(string text)
    {
        const string path = "monitor.httpListen";
        if (!Check(path, FieldRules.Text(text))) return null;
        var value = text;
        if (value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase)) value = "127.0.0.1" + value["localhost".Length..];
        var colon = value.LastIndexOf(':');
        var host = colon < 0 ? "" : value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) host = "";
        if (colon < 0 || !ConfigRules.IsIpLiteral(host) || !System.Net.IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0)
        {
            Error(path, $"\"{ConfigRules.Show(text)}\" is not an IP address and port; give e.g. \"127.0.0.1:9187\" (a local Prometheus agent) or \"0.0.0.0:9187\" (any interface), port 1 to 65535. Remove the key to serve no HTTP.");
            return null;
        }
        if (!System.Net.IPAddress.IsLoopback(endpoint.Address))
            Warn(path, $"{endpoint} is reachable from other machines and /metrics and /healthz have no authentication: anyone who reaches the port reads the cluster's state. Prefer 127.0.0.1 and a local scraper, or a firewall.");
        return endpoint;
    }

    private string? CheckStore()
    {
        var path = options.Store.Path ?? ConfigValidator.DefaultStorePath;
        if (!Check("store.path", FieldRules.LocalFile(path, "/var/lib/pgxcbot/pgxcbot.db", relativeAllowed: true)))
            return null;
        if (baseDirectory is null || Path.IsPathRooted(path)) return path;
        return Path.GetFullPath(Path.Combine(baseDirectory, path));
    }

    private SharedStoreSettings? CheckSharedStore()
    {
        var s = options.Store;
        if (s.ConnectionString is null)
        {
            if (s.ReplicaId is not null || s.LeaseSeconds is not null)
                Warn("store", "replicaId and leaseSeconds only matter with store.connectionString (a PostgreSQL store shared by two replicas); the SQLite store has one replica.");
            return null;
        }
        var ok = CheckSecret("store.connectionString", s.ConnectionString);
        if (s.ReplicaId is not null && (s.ReplicaId.Length is 0 or > 63 || !s.ReplicaId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            ok = Fail("store.replicaId", $"\"{ConfigRules.Show(s.ReplicaId)}\" is not a replica name: use 1-63 letters, digits, '-', '_' or '.', different on each replica (e.g. the host name), or remove the key to use the host name.");
        ok &= Duration("store.leaseSeconds", s.LeaseSeconds, DurationRule.Lease, DurationRule.Lease.ToTimeSpan(DurationRule.Lease.Default), out var lease);
        return ok ? new SharedStoreSettings(s.ConnectionString, s.ReplicaId, lease) : null;
    }

    private Operations.ApprovalPolicy CheckApprovals()
    {
        var a = options.Approvals;
        HashSet<string> Ids(string path, List<string> ids)
        {
            for (var i = 0; i < ids.Count; i++)
                Check($"{path}[{i}]", FieldRules.ChatId(ids[i]));
            return new HashSet<string>(ids.Where(id => !string.IsNullOrWhiteSpace(id)), StringComparer.Ordinal);
        }
        var policy = new Operations.ApprovalPolicy(
            Ids("approvals.requesters.users", a.Requesters.Users), Ids("approvals.requesters.roles", a.Requesters.Roles),
            Ids("approvals.approvers.users", a.Approvers.Users), Ids("approvals.approvers.roles", a.Approvers.Roles),
            a.AllowSelfApproval ?? false,
            Operations.ApprovalPolicy.DefaultExpiry, Operations.ApprovalPolicy.DefaultKindsNeedingApproval);
        if (Duration("approvals.expiryMinutes", a.ExpiryMinutes, DurationRule.ApprovalExpiry, policy.Expiry, out var expiry))
            policy = policy with { Expiry = expiry };
        if (policy.ApproverUsers.Count + policy.ApproverRoles.Count == 0)
            Warn("approvals.approvers", "nobody may approve operations: promote and the other runbooks can be planned but never run. List user or role ids under approvals.approvers.");
        if (policy.AllowSelfApproval)
            Warn("approvals.allowSelfApproval", "true: one person can request and approve a promote alone. Fine for a lab; in production keep the two-person rule.");
        return policy;
    }

    // ---- shared checks ----

    private ServerLocation? CheckServer(string path, string? host, int? port, string? dataDir, string? datanode, string role)
    {
        var ok = true;
        var address = CheckHostReference($"{path}.host", host);
        ok &= address is not null;
        if (port is null)
            ok = Fail($"{path}.port", $"missing. Give the {role}'s PostgreSQL port, e.g. {(role == "master" ? 20006 : 20010)}.");
        else
            ok &= Check($"{path}.port", FieldRules.Port(port.Value));
        if (string.IsNullOrWhiteSpace(dataDir))
            ok = Fail($"{path}.dataDir", $"missing. Give the {role}'s data directory as an absolute path, e.g. \"/home/postgresxc/pgxc/{datanode ?? "datanode1"}{(role == "slave" ? "_slave" : "")}\".");
        else
            ok &= Check($"{path}.dataDir", FieldRules.RemotePath(dataDir));
        if (!ok) return null;

        CheckEndpoint($"{path}.port", address!, port!.Value, host!);
        CheckDirectoryClash($"{path}.dataDir", host!, address!, dataDir!, isDataDir: true);
        return new ServerLocation(host!, address!, port.Value, dataDir!);
    }

    /// <summary>
    /// One directory must not serve two servers, whichever host names lead to it: directories are compared
    /// per machine (<see cref="ConfigRules.MachineKey"/>: two host names with one address are one
    /// filesystem). A data directory inside another one, or an archive directory inside (or holding) a data
    /// directory, is refused too: a base backup or a rebuild of one would overwrite the other.
    /// </summary>
    private void CheckDirectoryClash(string path, string host, string address, string directory, bool isDataDir)
    {
        var machine = ConfigRules.MachineKey(address);
        var dir = directory.TrimEnd('/');
        foreach (var other in directories.Where(o => o.Machine == machine))
        {
            var same = string.Equals(other.Directory, dir, StringComparison.Ordinal);
            var inside = dir.StartsWith(other.Directory + "/", StringComparison.Ordinal);
            var holds = other.Directory.StartsWith(dir + "/", StringComparison.Ordinal);
            if (!same && !inside && !holds) continue;
            if (!isDataDir && !other.IsDataDir) continue; // two slaves may share one archive
            var through = other.Host == host ? "" : $" ({host} and {other.Host} are one machine: {address})";
            var relation = same ? "is also" : inside ? "lies inside" : "contains";
            var fix = isDataDir && other.IsDataDir && same
                ? "two servers cannot share one data directory; give each its own."
                : "a base backup or rebuild of one would overwrite the other; give each its own directory, side by side.";
            Error(path, $"{host}:{directory} {relation} {(other.IsDataDir ? "the data directory" : "the archive directory")} of {other.Path} ({other.Host}:{other.Directory}){through}; {fix}");
            return;
        }
        directories.Add((machine, dir, host, path[..path.LastIndexOf('.')], isDataDir));
    }

    /// <summary>The address of a referenced host, or null (with an error) when it is not defined.</summary>
    private string? CheckHostReference(string path, string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            Error(path, $"missing. Give one of the hosts ({DefinedHosts()}).");
            return null;
        }
        if (hosts.TryGetValue(host, out var entry)) return entry.Address;
        Error(path, $"\"{ConfigRules.Show(host)}\" is not defined in hosts ({DefinedHosts()}). Add it to hosts or fix the name.");
        return null;
    }

    private string DefinedHosts() => hosts.Count == 0 ? "none defined" : "defined: " + string.Join(", ", hosts.Keys);

    private void CheckEndpoint(string path, string address, int port, string hostName)
    {
        var key = $"{ConfigRules.MachineKey(address)}:{port}";
        if (endpoints.TryGetValue(key, out var other))
            Error(path, $"{hostName}:{port} is already used by {other}; two servers cannot listen on one address and port. Give one of them another port.");
        else
            endpoints[key] = path[..path.LastIndexOf('.')];
    }

    private string? CheckHostLabel(string path, string? name) =>
        Check(path, FieldRules.Name(name, NameRule.Host, "node01", "Give the host a short name that servers refer to, e.g. \"node01\".")) ? name : null;

    private string? CheckNodeName(string path, string? name, string kind)
    {
        if (!Check(path, FieldRules.Name(name, NameRule.Node, $"{kind}1", $"Give the {kind}'s node name as in pgxc_node, e.g. \"{kind}1\".")) || name is null)
            return null;
        if (nodeNames.TryGetValue(name, out var first))
        {
            Error(path, $"\"{name}\" is already used at {first}; datanodes and coordinators share one namespace (pgxc_node), so every name must be unique.");
            return null;
        }
        nodeNames[name] = path[..path.LastIndexOf('.')];
        return name;
    }

    private bool CheckPort(string path, int port) => Check(path, FieldRules.Port(port));

    private bool CheckSecret(string path, SecretReference? secret)
    {
        if (secret is null) return true;
        if (FieldRules.SecretReference(path, secret) is not { } problem) return true;
        return Fail(path + problem.Suffix, problem.Message);
    }

    /// <summary>A duration field: absent keeps <paramref name="fallback"/>.</summary>
    private bool Duration(string path, double? value, DurationRule rule, TimeSpan fallback, out TimeSpan result)
    {
        result = fallback;
        if (value is null) return true;
        if (!Check(path, FieldRules.Duration(value.Value, rule))) return false;
        result = rule.ToTimeSpan(value.Value);
        return true;
    }

    private const string LagBytesWhy = "It is the replication distance (in bytes of WAL) that raises an alert.";
    private const string WalRetainedWhy = "It is how much WAL a master may keep (for slots, archiving or wal_keep) before an alert.";

    private bool Bytes(string path, long? value, long fallback, out long result, string why = LagBytesWhy)
    {
        result = value ?? fallback;
        return value is null || Check(path, FieldRules.Count(value.Value, 1, 1L << 50, "bytes", why));
    }

    /// <summary>Reports <paramref name="problem"/> at <paramref name="path"/>; true when there is none.</summary>
    private bool Check(string path, string? problem) => problem is null || Fail(path, problem);

    private bool Fail(string path, string message)
    {
        Error(path, message);
        return false;
    }
}
