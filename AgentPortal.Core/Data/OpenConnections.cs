using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AgentPortal.Core.Data;

/// <summary>Counts the portal database's open connections, for the <c>database_connections_active</c> metric.</summary>
public sealed class OpenConnections : DbConnectionInterceptor
{
    private long _open;

    public long Count => Interlocked.Read(ref _open);

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Increment(ref _open);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _open);
        return Task.CompletedTask;
    }

    public override void ConnectionClosed(DbConnection connection, ConnectionEndEventData eventData) => Interlocked.Decrement(ref _open);

    public override Task ConnectionClosedAsync(DbConnection connection, ConnectionEndEventData eventData)
    {
        Interlocked.Decrement(ref _open);
        return Task.CompletedTask;
    }
}
