using System.Net;
using System.Net.Sockets;

namespace PgxcBot.Lab.Pairs;

/// <summary>Picks loopback ports that are free right now. Another process may take one before the server
/// binds it, so server starts retry with a new port when the bind fails.</summary>
public static class FreePorts
{
    // Ports are a machine-wide resource, so their record is process-wide on purpose: a port handed out is not bound
    // until its server starts, and some never are while the lab runs (an XL standby's pooler port), so the kernel may
    // offer it again. Seen in CI: an XL datanode master got the pooler port already given to the other pair's slave,
    // and the lab's own config check refused the cluster.
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static readonly Queue<int> GivenInOrder = new();
    private const int Remembered = 4096;

    /// <summary>A loopback port free now and not handed out by this process among its last 4,096 picks.</summary>
    public static int Pick()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreeNow();
            lock (Gate)
            {
                if (!Given.Add(port) && attempt < 64) continue;
                GivenInOrder.Enqueue(port);
                if (GivenInOrder.Count > Remembered) Given.Remove(GivenInOrder.Dequeue());
                return port;
            }
        }
    }

    private static int FreeNow()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
