namespace PgxcBot.Lab.Coordinator;

/// <summary>How clients authenticate to the simulator.</summary>
public enum SimulatorAuthMethod
{
    /// <summary>Any user, no password.</summary>
    Trust,
    /// <summary>AuthenticationCleartextPassword.</summary>
    Cleartext,
    /// <summary>AuthenticationMD5Password with a random salt.</summary>
    Md5,
}

/// <summary>Settings of a <see cref="CoordinatorSimulator"/>. Validated by the simulator's constructor.</summary>
public sealed class CoordinatorSimulatorOptions
{
    /// <summary>This coordinator's own node_name (<c>pgxc_node_str()</c>, SHOW pgxc_node_name).</summary>
    public string NodeName { get; init; } = "coord1";

    /// <summary>Port to bind on 127.0.0.1; 0 picks a free one (see <see cref="CoordinatorSimulator.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>
    /// Seed of the coordinator's pgxc_node. If this coordinator is not in the list, its own row is
    /// added (host 127.0.0.1, the bound port). Each datanode's own catalog is seeded from the same list.
    /// </summary>
    public IReadOnlyList<SimulatedNode> Nodes { get; init; } = [];

    /// <summary>
    /// Model of XL's initdb: a datanode's own row in its own catalog has type 'C' until an
    /// <c>ALTER NODE ... TYPE = 'datanode'</c> fixes it. Default true, as observed on XL 10.
    /// </summary>
    public bool DatanodeSelfRowIsCoordinator { get; init; } = true;

    /// <summary>The server_version ParameterStatus and SHOW server_version.</summary>
    public string ServerVersion { get; init; } = "10.9 (Postgres-XL 10r1.1)";

    /// <summary>SHOW server_version_num.</summary>
    public int ServerVersionNum { get; init; } = 100009;

    /// <summary>What <c>SELECT version()</c> returns.</summary>
    public string VersionString { get; init; } =
        "PostgreSQL 10.9 (Postgres-XL 10r1.1) on x86_64-pc-linux-gnu, compiled by gcc (GCC) 8.3.0, 64-bit";

    /// <summary>What <c>SELECT pg_is_in_recovery()</c> answers (false for a coordinator; true lets a
    /// second simulator stand in for a hot standby).</summary>
    public bool InRecovery { get; init; }

    /// <summary>Authentication required from clients.</summary>
    public SimulatorAuthMethod AuthMethod { get; init; } = SimulatorAuthMethod.Trust;

    /// <summary>User accepted with <see cref="Password"/> (ignored under Trust).</summary>
    public string User { get; init; } = "postgres";

    /// <summary>Password for <see cref="User"/> (ignored under Trust). Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>User for EXECUTE DIRECT's connections to datanodes.</summary>
    public string DatanodeUser { get; init; } = "postgres";

    /// <summary>Password for EXECUTE DIRECT's connections to datanodes, or null. Never logged.</summary>
    public string? DatanodePassword { get; init; }

    /// <summary>Database for EXECUTE DIRECT's connections to datanodes.</summary>
    public string DatanodeDatabase { get; init; } = "postgres";

    /// <summary>Connect timeout of EXECUTE DIRECT's connections (rounded up to whole seconds, at least 1).</summary>
    public TimeSpan DatanodeConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time source for <see cref="CoordinatorSimulator.Delay"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(NodeName))
            throw new ArgumentException("NodeName must be set, e.g. \"coord1\".", nameof(NodeName));
        if (Port is < 0 or > 65535)
            throw new ArgumentException($"Port must be 0 (any free port) or 1-65535, not {Port}.", nameof(Port));
        if (AuthMethod != SimulatorAuthMethod.Trust && Password is null)
            throw new ArgumentException($"Password must be set when AuthMethod is {AuthMethod}; use Trust for no password.", nameof(Password));
        var duplicate = Nodes.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Nodes lists \"{duplicate.Key}\" twice; node names must be unique.", nameof(Nodes));
        foreach (var n in Nodes.Where(n => n.Port is < 1 or > 65535))
            throw new ArgumentException($"Node \"{n.Name}\" has port {n.Port}; use 1-65535.", nameof(Nodes));
    }
}
