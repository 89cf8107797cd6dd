using System.Net;
using System.Net.Sockets;

namespace PgxcBot.Lab.Pairs;

/// <summary>Picks loopback ports that are free right now. Another process may take one before the server
/// binds it, so server starts retry with a new port when the bind fails.</summary>
public static class FreePorts
{
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
