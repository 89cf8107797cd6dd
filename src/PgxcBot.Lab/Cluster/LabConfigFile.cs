using System.Text.Json;
using System.Text.Json.Nodes;
using PgxcBot.Core.Topology;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Lab.Cluster;

/// <summary>
/// The configuration an operator would write for a lab cluster: one local host (the lab's OS user runs the
/// servers), the cluster's flavor, its coordinators (simulated or real), console users alice and bob who may
/// request and approve (each other's) operations, and the store inside the lab folder.
/// </summary>
public static class LabConfigFile
{
    /// <summary>The config as indented JSON. pgBinDir is the cluster's installation bin on Postgres-XC/XL,
    /// else <paramref name="binaries"/>' bin directory.</summary>
    public static string Render(LabCluster cluster, string storePath, PgBinaries binaries)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(binaries);
        JsonObject Server(LabServer server)
        {
            var json = new JsonObject { ["host"] = "lab", ["port"] = server.Port, ["dataDir"] = server.DataDir };
            if (server.PoolerPort is { } pooler) json["poolerPort"] = pooler; // each XL server's own pooler
            return json;
        }
        var config = new JsonObject
        {
            ["flavor"] = ConfigValidator.FlavorName(cluster.Flavor),
            ["hosts"] = new JsonArray(new JsonObject
            {
                ["name"] = "lab", ["address"] = "127.0.0.1", ["transport"] = "local", ["user"] = cluster.OsUser, ["pgBinDir"] = cluster.PgBinDir ?? binaries.BinDir,
            }),
            ["datanodes"] = new JsonArray(cluster.Pairs.Select(pair => (JsonNode)new JsonObject
            {
                ["name"] = pair.Name,
                ["master"] = Server(pair.Master),
                ["slave"] = WithApplicationName(Server(pair.Slave), pair.ApplicationName),
            }).ToArray()),
            ["coordinators"] = new JsonArray(cluster.AllCoordinators
                .Select(c => (JsonNode)new JsonObject { ["name"] = c.NodeName, ["host"] = "lab", ["port"] = c.Port }).ToArray()),
            ["database"] = new JsonObject { ["user"] = cluster.SuperUser, ["database"] = "postgres" },
            ["gtm"] = cluster.Gtm is { } gtm ? new JsonObject { ["host"] = "lab", ["port"] = gtm.Port, ["dataDir"] = gtm.DataDir } : null,
            ["store"] = new JsonObject { ["path"] = storePath },
            ["approvals"] = new JsonObject
            {
                ["requesters"] = new JsonObject { ["users"] = new JsonArray("alice", "bob") },
                ["approvers"] = new JsonObject { ["users"] = new JsonArray("alice", "bob") },
            },
        };
        if (config["gtm"] is null) config.Remove("gtm");
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject WithApplicationName(JsonObject server, string applicationName)
    {
        server["applicationName"] = applicationName;
        return server;
    }
}
