using System.Net;
using System.Net.Sockets;

namespace AgentPortal.Tests.Shared;

/// <summary>A port free on 127.0.0.1 at the moment of asking, for servers the tests and the bench start.</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
