using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Operations;
using PgxcBot.Lab.Cluster;
using PgxcBot.Lab.Pairs;

namespace PgxcBot.Cli;

/// <summary>
/// Failure drills in the lab console: <c>/lab kill master datanode1</c>, <c>/lab kill slave ...</c>,
/// <c>/lab freeze|thaw|stop|start ...</c>. "master" and "slave" are the roles the bot holds now, so after
/// a promote <c>/lab kill master</c> kills the promoted server. The bot is not told: it has to notice.
/// </summary>
internal sealed class LabDrills(LabCluster cluster, TopologyState topology)
{
    public const string Prefix = "/lab";
    private static readonly string[] Verbs = ["kill", "freeze", "thaw", "stop", "start"];

    private const string Usage = "/lab kill|freeze|thaw|stop|start master|slave <datanode>";

    /// <summary>The answer to a /lab line, or null when the line is not one (it goes to the bot).</summary>
    public async Task<ChatMessage?> TryHandleAsync(string line, CancellationToken cancellationToken)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0] != Prefix) return null;
        if (words.Length != 4 || !Verbs.Contains(words[1]) || words[2] is not ("master" or "slave"))
            return ChatMessage.Simple("Lab drill not understood", Severity.Warning, $"Usage: {Usage}",
                "kill = kill -9 of the server and its children; freeze = SIGSTOP (a hung host: its connections stay open); thaw = SIGCONT; stop = pg_ctl stop -m fast; start = pg_ctl start.");
        var (verb, role, datanode) = (words[1], words[2], words[3]);

        var current = await topology.CurrentAsync(cancellationToken);
        var pair = current.FindDatanode(datanode);
        if (pair is null)
            return ChatMessage.Simple("Lab drill refused", Severity.Warning,
                $"There is no datanode '{datanode}'; the lab has {string.Join(", ", current.Datanodes.Select(d => d.Name))}.");
        var location = role == "master" ? pair.Master : pair.Slave;
        var server = location is null ? null
            : cluster.Pairs.SelectMany(p => new[] { p.Master, p.Slave }).FirstOrDefault(s => s.Port == location.Port);
        if (server is null)
            return ChatMessage.Simple("Lab drill refused", Severity.Warning, $"{datanode} has no {role} in the lab.");

        try
        {
            switch (verb)
            {
                case "kill": await server.KillAsync(cancellationToken); break;
                case "freeze": await server.FreezeAsync(cancellationToken); break;
                case "thaw": await server.ThawAsync(cancellationToken); break;
                case "stop": await server.StopAsync(cancellationToken); break;
                default: await server.StartAsync(cancellationToken); break;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or LabCommandException)
        {
            return ChatMessage.Simple("Lab drill failed", Severity.Warning, e.Message);
        }

        var what = verb switch
        {
            "kill" => "killed (kill -9 of the postmaster and its children)",
            "freeze" => "frozen (SIGSTOP: its TCP connections stay open, it answers nothing, like a hung host)",
            "thaw" => "thawed (SIGCONT)",
            "stop" => "stopped (pg_ctl stop -m fast)",
            _ => "started (pg_ctl start)",
        };
        return ChatMessage.Simple($"Drill: {verb} the {role} of {datanode}", Severity.Info,
            $"The {role} of {datanode} at 127.0.0.1:{server.Port} was {what}. The bot was not told: see what it noticed with /pgxc status.");
    }
}
