using System.Net;
using PgxcBot.Core.Observation;
using PgxcBot.Core.Topology;

namespace PgxcBot.Core.Assessment;

/// <summary>How the bot knows which of the master's WAL senders serves the configured slave.</summary>
public enum SlaveIdentification
{
    /// <summary>Exactly one WAL sender comes from the slave's address and carries its application_name.</summary>
    AddressAndName,
    /// <summary>The slave's address is a host name the bot cannot compare with client_addr; exactly one WAL
    /// sender carries its application_name. Weaker: any client may choose that name.</summary>
    NameOnly,
    /// <summary>The only WAL sender from the slave's address calls itself something else than the
    /// application_name the config (and synchronous_standby_names) expects.</summary>
    OtherName,
    /// <summary>Several WAL senders could be the slave (same name from the slave's address, or the same name
    /// with no comparable address): the bot cannot tell which one is.</summary>
    Ambiguous,
    /// <summary>No WAL sender is the slave's.</summary>
    NotConnected,
}

/// <summary>
/// The master's WAL sender that serves the configured slave, found by the client address of the slave
/// (pg_stat_replication.client_addr) and its application_name, never by the name alone: any replication
/// client (pg_receivewal, a spare standby) may call itself <c>datanode1_slave</c>, and then the
/// master's "sync" may be that client, not the slave.
/// </summary>
/// <param name="Row">The slave's WAL sender when identified (AddressAndName, NameOnly, OtherName).</param>
/// <param name="How">How it was identified, or why it was not.</param>
/// <param name="Others">WAL senders that carry the slave's application_name but are not (or cannot be
/// told apart from) the slave: their presence is itself a problem to report.</param>
/// <param name="Candidates">With <see cref="SlaveIdentification.Ambiguous"/>, every WAL sender that could be the slave.</param>
public sealed record SlaveWalSender(
    ReplicationRow? Row,
    SlaveIdentification How,
    IReadOnlyList<ReplicationRow> Others,
    IReadOnlyList<ReplicationRow> Candidates)
{
    /// <summary>True when the identification is good enough to prove something about the slave with.</summary>
    public bool Identified => Row is not null && How is SlaveIdentification.AddressAndName or SlaveIdentification.NameOnly or SlaveIdentification.OtherName;

    /// <summary>Finds the slave's WAL sender among <paramref name="master"/>'s pg_stat_replication rows.</summary>
    public static SlaveWalSender Find(DatanodePair pair, ServerFacts? master)
    {
        if (master is null || pair.Slave is null) return new SlaveWalSender(null, SlaveIdentification.NotConnected, [], []);
        var rows = master.Replication;
        var named = rows.Where(r => string.Equals(r.ApplicationName, pair.ApplicationName, StringComparison.OrdinalIgnoreCase)).ToArray();
        var slaveAddress = pair.Slave.Address;
        if (!IPAddress.TryParse(slaveAddress, out var slaveIp))
        {
            // A host name: Core does no DNS, so only the name can identify the slave.
            return named.Length switch
            {
                0 => new SlaveWalSender(null, SlaveIdentification.NotConnected, [], []),
                1 => new SlaveWalSender(named[0], SlaveIdentification.NameOnly, [], []),
                _ => new SlaveWalSender(null, SlaveIdentification.Ambiguous, [], named),
            };
        }

        var atAddress = rows.Where(r => SameAddress(r.ClientAddress, slaveIp)).ToArray();
        var candidates = atAddress.Where(named.Contains).ToArray();
        var others = named.Except(candidates).ToArray();
        if (candidates.Length == 1) return new SlaveWalSender(candidates[0], SlaveIdentification.AddressAndName, others, []);
        if (candidates.Length > 1) return new SlaveWalSender(null, SlaveIdentification.Ambiguous, others, candidates);
        var otherNamed = atAddress.Except(named).ToArray();
        if (otherNamed.Length == 1) return new SlaveWalSender(otherNamed[0], SlaveIdentification.OtherName, others, []);
        if (otherNamed.Length > 1) return new SlaveWalSender(null, SlaveIdentification.Ambiguous, others, otherNamed);
        return new SlaveWalSender(null, SlaveIdentification.NotConnected, others, []);
    }

    /// <summary>client_addr against the configured address; "localhost"-style loopback forms count as one,
    /// IPv4-mapped IPv6 as IPv4. Distinct 127.x addresses stay distinct (a lab may give each host its own).</summary>
    public static bool SameAddress(string? clientAddress, IPAddress configured)
    {
        if (clientAddress is null || !IPAddress.TryParse(clientAddress, out var client)) return false;
        client = Normalize(client);
        configured = Normalize(configured);
        if (client.Equals(configured)) return true;
        return IsPrimaryLoopback(client) && IsPrimaryLoopback(configured);
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool IsPrimaryLoopback(IPAddress address) => address.Equals(IPAddress.Loopback) || address.Equals(IPAddress.IPv6Loopback);

    /// <summary>Says which WAL sender is the slave's and how the bot knows, for evidence lines.</summary>
    public string Describe(DatanodePair pair) => How switch
    {
        SlaveIdentification.AddressAndName =>
            $"the slave is the WAL sender {Row!.ApplicationName} from its address {Row.ClientAddress}{Port(Row)}{Pid(Row)}",
        SlaveIdentification.NameOnly =>
            $"the only WAL sender named {Row!.ApplicationName} is taken for the slave (its configured address {pair.Slave?.Address} is a host name the bot does not compare)",
        SlaveIdentification.OtherName =>
            $"the slave's address {Row!.ClientAddress} streams as '{Row.ApplicationName}', not as {pair.ApplicationName}",
        SlaveIdentification.Ambiguous =>
            $"{Candidates.Count} WAL senders could be the slave ({string.Join("; ", Candidates.Select(DescribeRow))}): the bot cannot tell which one is",
        _ => $"no WAL sender on the master is the slave's ({(Others.Count == 0 ? "none carries its name" : $"{Others.Count} other client(s) carry its name: {string.Join("; ", Others.Select(DescribeRow))}")})",
    };

    /// <summary>One WAL sender in a few words: "datanode1_slave from 127.0.0.1:43484 (pid 5108, streaming, sync)".</summary>
    public static string DescribeRow(ReplicationRow row) =>
        $"{row.ApplicationName} from {row.ClientAddress ?? "a local socket"}{Port(row)} ({row.State}, {row.SyncState}{Pid(row)})";

    private static string Pid(ReplicationRow row) => row.Pid is { } pid ? $", pid {pid.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";

    private static string Port(ReplicationRow row) => row.ClientPort is { } p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
}
