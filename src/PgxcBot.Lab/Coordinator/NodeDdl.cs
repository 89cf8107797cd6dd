using System.Globalization;

namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// CREATE/ALTER/DROP NODE applied to a catalog snapshot, with Postgres-XC/XL's checks and messages
/// (nodemgr.c). Changing TYPE is allowed both ways: a datanode's own row is 'C' after initdb and
/// pgxc_ctl fixes it with <c>TYPE = 'datanode'</c>.
/// </summary>
internal static class NodeDdl
{
    public static NodeCatalog Apply(NodeCatalog catalog, NodeDdlStatement ddl, string localNodeName)
    {
        var existing = catalog.Find(ddl.NodeName);
        switch (ddl.Kind)
        {
            case NodeDdlKind.Create:
                if (existing is not null)
                    throw new SimulatedPgException("42710", $"PGXC Node {ddl.NodeName}: object already defined");
                var created = ApplyOptions(
                    new PgxcNodeRow(ddl.NodeName, 'C', 5432, "localhost", false, false, PgxcNodeRow.HashNodeName(ddl.NodeName)),
                    ddl.Options);
                return Validated(catalog, created).Upsert(created);
            case NodeDdlKind.Alter:
                if (existing is null) throw NotDefined(ddl.NodeName);
                var altered = ApplyOptions(existing, ddl.Options);
                return Validated(catalog, altered).Upsert(altered);
            default:
                if (existing is null) throw NotDefined(ddl.NodeName);
                if (ddl.NodeName == localNodeName)
                    throw new SimulatedPgException("42601", $"PGXC Node {ddl.NodeName}: cannot drop local node");
                return catalog.Remove(ddl.NodeName);
        }
    }

    static SimulatedPgException NotDefined(string name) => new("42704", $"PGXC Node {name}: object not defined");

    static PgxcNodeRow ApplyOptions(PgxcNodeRow row, IReadOnlyList<NodeOption> options)
    {
        foreach (var option in options)
        {
            row = option.Name switch
            {
                "host" => row with { NodeHost = option.Value ?? throw RequiresParameter(option) },
                "port" => row with { NodePort = ParsePort(option) },
                "type" => row with { NodeType = ParseType(option) },
                "primary" => row with { NodeIsPrimary = ParseBool(option) },
                "preferred" => row with { NodeIsPreferred = ParseBool(option) },
                _ => throw new SimulatedPgException("42601", $"incorrect option: {option.Name}"),
            };
        }
        return row;
    }

    static NodeCatalog Validated(NodeCatalog catalog, PgxcNodeRow row)
    {
        if (row.NodeType == 'C' && (row.NodeIsPrimary || row.NodeIsPreferred))
            throw new SimulatedPgException("42601",
                $"PGXC node {row.NodeName}: cannot be a primary or a preferred node, it has to be a Datanode");
        if (row.NodeIsPrimary && catalog.Rows.Any(r => r.NodeIsPrimary && r.NodeName != row.NodeName))
            throw new SimulatedPgException("42601", $"PGXC node {row.NodeName}: two nodes cannot be primary");
        return catalog;
    }

    static SimulatedPgException RequiresParameter(NodeOption option) =>
        new("42601", $"{option.Name} requires a parameter");

    static int ParsePort(NodeOption option)
    {
        var text = option.Value ?? throw RequiresParameter(option);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var port))
            throw new SimulatedPgException("42601", $"invalid argument for \"port\": \"{text}\"");
        if (port is < 1 or > 65535) throw new SimulatedPgException("22023", "port value is out of range");
        return port;
    }

    static char ParseType(NodeOption option) => option.Value?.ToLowerInvariant() switch
    {
        "coordinator" => 'C',
        "datanode" => 'D',
        _ => throw new SimulatedPgException("22023", "type value is incorrect, specify 'coordinator or 'datanode'"),
    };

    static bool ParseBool(NodeOption option) => option.Value?.ToLowerInvariant() switch
    {
        null or "true" or "on" or "1" or "t" or "yes" => true,
        "false" or "off" or "0" or "f" or "no" => false,
        _ => throw new SimulatedPgException("42601", $"{option.Name} requires a Boolean value"),
    };
}
