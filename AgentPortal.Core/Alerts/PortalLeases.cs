using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Alerts;

/// <summary>
/// Named leases in the portal database, so one replica of several does a job (evaluating alerts)
/// at a time. A lease is taken when it is free or expired and renewed by its holder; a replica that
/// stops holds it no longer than its duration.
/// </summary>
public sealed class PortalLeases(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    /// <summary>This process, as the holder of its leases.</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    public async Task<bool> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var expires = now + duration;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // One conditional UPDATE: of two replicas racing for an expired lease, the database lets one win.
        var renewed = await db.PortalLeases
            .Where(l => l.Name == name && (l.Holder == Holder || l.ExpiresAt < now))
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, Holder).SetProperty(l => l.ExpiresAt, expires), cancellationToken);
        if (renewed > 0)
        {
            return true;
        }
        if (await db.PortalLeases.AnyAsync(l => l.Name == name, cancellationToken))
        {
            return false;
        }
        db.PortalLeases.Add(new PortalLease { Name = name, Holder = Holder, ExpiresAt = expires });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another replica inserted it first.
            return false;
        }
    }

    public async Task ReleaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.PortalLeases.Where(l => l.Name == name && l.Holder == Holder).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task<PortalLease?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.PortalLeases.AsNoTracking().FirstOrDefaultAsync(l => l.Name == name, cancellationToken);
    }
}
