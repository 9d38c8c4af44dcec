using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Audit;

/// <summary>A filter for the audit page; every part is optional.</summary>
public sealed record AuditQuery(string? Area = null, string? Actor = null, string? Text = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Page = 1, int PageSize = 50);

/// <summary>
/// The audit trail of administrative actions, kept in the portal database beside the users and
/// keys it describes, so every replica writes to and reads from the same trail.
/// </summary>
public sealed class AuditLog(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    public const int MaxDetailLength = 1000;

    public async Task RecordAsync(AuditActor actor, string action, string? target, string? detail, bool succeeded = true, CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.AuditEvents.Add(new AuditEvent
        {
            Id = Guid.NewGuid().ToString(),
            At = time.GetUtcNow().UtcDateTime,
            Actor = Truncate(actor.Name, 255)!,
            Action = action,
            Target = Truncate(target, 255),
            Detail = Truncate(detail, MaxDetailLength),
            Address = Truncate(actor.Address, 64),
            Succeeded = succeeded,
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<PagedResult<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var pageSize = Math.Clamp(query.PageSize, 1, 500);
        var page = Math.Max(1, query.Page);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<AuditEvent> events = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Area))
        {
            var prefix = query.Area.Trim() + ".";
            events = events.Where(e => e.Action.StartsWith(prefix));
        }
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            var actor = query.Actor.Trim();
            events = events.Where(e => e.Actor.Contains(actor));
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim();
            events = events.Where(e => (e.Target != null && e.Target.Contains(text)) || (e.Detail != null && e.Detail.Contains(text)));
        }
        if (query.From is { } from)
        {
            var fromUtc = from.UtcDateTime;
            events = events.Where(e => e.At >= fromUtc);
        }
        if (query.To is { } to)
        {
            var toUtc = to.UtcDateTime;
            events = events.Where(e => e.At < toUtc);
        }
        var total = await events.CountAsync(cancellationToken);
        var items = await events.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return new PagedResult<AuditEvent>(items, total, page, pageSize);
    }

    /// <summary>The most recent event of one action (e.g. the last backup), or null.</summary>
    public async Task<AuditEvent?> LatestAsync(string action, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AuditEvents.AsNoTracking().Where(e => e.Action == action)
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id).FirstOrDefaultAsync(cancellationToken);
    }

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
