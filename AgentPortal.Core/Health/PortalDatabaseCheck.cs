using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Core.Health;

/// <summary>The registry database answers and has every migration applied.</summary>
public sealed class PortalDatabaseCheck(IServiceScopeFactory scopes, TimeProvider time) : IDependencyCheck
{
    public string Name => "registry-database";

    public bool Required => true;

    public async Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        string? error = null;
        if (!await db.Database.CanConnectAsync(cancellationToken))
        {
            error = "cannot open the database; check that the data folder (or database server) is reachable and readable, then restart the portal";
        }
        else
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            if (pending > 0)
            {
                error = $"{pending} migrations are not applied; restart the portal to apply them";
            }
        }
        return new DependencyStatus(Name, error is null, Required, time.GetElapsedTime(started), error);
    }
}
