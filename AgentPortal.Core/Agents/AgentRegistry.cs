using System.Collections.Concurrent;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AgentPortal.Core.Agents;

/// <summary>
/// The registry over EF Core (SQLite or PostgreSQL). The unique (name, project) index is the guard
/// against duplicates across processes; lookups are cached in-process and the cache is updated on
/// every change made through this instance.
/// </summary>
public sealed partial class AgentRegistry(
    IDbContextFactory<PortalDbContext> contexts,
    AgentCache cache,
    TimeProvider time,
    ILogger<AgentRegistry> logger) : IAgentRegistry
{
    /// <summary>last_used_at is written at most this often per agent, so busy agents do not turn every run into a registry write.</summary>
    internal static readonly TimeSpan s_touchGranularity = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Project, string Name), SemaphoreSlim> _registering = new();

    public async Task<RegisterAgentResult> RegisterOrGetAsync(RegisterAgentRequest request, CancellationToken cancellationToken)
    {
        if (cache.TryGetByName(request.ProjectId, request.Name, out var cached))
        {
            return new RegisterAgentResult(cached, Created: false);
        }

        // Callers in this process queue per name; other processes are held off by the unique index.
        var gate = _registering.GetOrAdd((request.ProjectId, request.Name), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (cache.TryGetByName(request.ProjectId, request.Name, out cached))
            {
                return new RegisterAgentResult(cached, Created: false);
            }

            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var existing = await FindByNameAsync(db, request.ProjectId, request.Name, cancellationToken);
            if (existing is not null)
            {
                return new RegisterAgentResult(cache.Put(existing), Created: false);
            }

            var agent = new Agent
            {
                Id = Guid.NewGuid().ToString(),
                Name = request.Name,
                Type = request.Type,
                ProjectId = request.ProjectId,
                ExternalId = request.ExternalId,
                Config = request.Config,
                RegisteredVia = request.RegisteredVia,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            };
            db.Agents.Add(agent);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                LogRegistered(agent.Id, agent.Name, agent.ProjectId, agent.Type.ToWire());
                return new RegisterAgentResult(cache.Put(agent), Created: true);
            }
            catch (DbUpdateException)
            {
                // Another process registered the same (name, project) first: theirs is the agent.
                var winner = await FindByNameInNewContextAsync(request.ProjectId, request.Name, cancellationToken);
                if (winner is null)
                {
                    throw;
                }
                return new RegisterAgentResult(cache.Put(winner), Created: false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<Agent?> GetAsync(string id, CancellationToken cancellationToken)
    {
        if (cache.TryGetById(id, out var cached))
        {
            return cached;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
        return agent is null ? null : cache.Put(agent);
    }

    public async Task<IReadOnlyDictionary<string, Agent>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Agent>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (cache.TryGetById(id, out var cached))
            {
                found[id] = cached;
            }
            else
            {
                missing.Add(id);
            }
        }
        if (missing.Count > 0)
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            foreach (var agent in await db.Agents.AsNoTracking().Where(a => missing.Contains(a.Id)).ToListAsync(cancellationToken))
            {
                found[agent.Id] = cache.Put(agent);
            }
        }
        return found;
    }

    public async Task<Agent?> GetByExternalIdAsync(string projectId, string externalId, CancellationToken cancellationToken)
    {
        if (cache.TryGetByExternalId(projectId, externalId, out var cached))
        {
            return cached;
        }
        if (cache.KnownWithoutExternalId(projectId, externalId))
        {
            return null;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.ExternalId == externalId)
            .OrderBy(a => a.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        if (agent is null)
        {
            cache.PutNoExternalId(projectId, externalId);
            return null;
        }
        return cache.Put(agent);
    }

    public async Task<PagedResult<Agent>> ListAsync(ListAgentsRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Agents.AsNoTracking();
        if (request.Type is { } type)
        {
            query = query.Where(a => a.Type == type);
        }
        if (request.Status is { } status)
        {
            query = query.Where(a => a.Status == status);
        }
        if (!string.IsNullOrEmpty(request.ProjectId))
        {
            query = query.Where(a => a.ProjectId == request.ProjectId);
        }
        if (!string.IsNullOrWhiteSpace(request.Search))
        {
            var text = request.Search.Trim().ToLower();
            query = query.Where(a => a.Name.ToLower().Contains(text) || (a.ExternalId != null && a.ExternalId.ToLower().Contains(text)));
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderBy(a => a.LastUsedAt == null)
            .ThenByDescending(a => a.LastUsedAt)
            .ThenByDescending(a => a.CreatedAt)
            .ThenBy(a => a.Id)
            .Skip((request.Page - 1) * request.PageSize)
            .Take(request.PageSize)
            .ToListAsync(cancellationToken);
        return new PagedResult<Agent>(items, total, request.Page, request.PageSize);
    }

    public async Task<Agent> UpdateAsync(string id, UpdateAgentRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var agent = await db.Agents.FirstOrDefaultAsync(a => a.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No agent has the id '{id}'.");
        if (request.Type is { } type)
        {
            agent.Type = type;
        }
        if (request.Status is { } status)
        {
            agent.Status = status;
        }
        if (request.MonitoringEnabled is { } monitoring)
        {
            agent.MonitoringEnabled = monitoring;
        }
        if (request.Config is not null)
        {
            agent.Config = request.Config;
        }
        await db.SaveChangesAsync(cancellationToken);
        LogUpdated(agent.Id, agent.Status.ToWire(), agent.MonitoringEnabled);
        return cache.Put(agent);
    }

    public Task DeactivateAsync(string id, CancellationToken cancellationToken) =>
        UpdateAsync(id, new UpdateAgentRequest { Status = AgentStatus.Inactive }, cancellationToken);

    public async Task TouchAsync(string id, DateTime usedAt, CancellationToken cancellationToken)
    {
        var agent = await GetAsync(id, cancellationToken);
        if (agent is null || (agent.LastUsedAt is { } last && usedAt - last < s_touchGranularity))
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Only moves forward, so concurrent touches and other replicas never set it back.
        await db.Agents
            .Where(a => a.Id == id && (a.LastUsedAt == null || a.LastUsedAt < usedAt))
            .ExecuteUpdateAsync(set => set.SetProperty(a => a.LastUsedAt, usedAt), cancellationToken);
        var touched = agent.Copy();
        touched.LastUsedAt = usedAt;
        cache.Put(touched);
    }

    private static Task<Agent?> FindByNameAsync(PortalDbContext db, string projectId, string name, CancellationToken cancellationToken) =>
        db.Agents.AsNoTracking().FirstOrDefaultAsync(a => a.ProjectId == projectId && a.Name == name, cancellationToken);

    private async Task<Agent?> FindByNameInNewContextAsync(string projectId, string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await FindByNameAsync(db, projectId, name, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered agent {AgentId} '{AgentName}' in project {ProjectId} as {AgentType}")]
    private partial void LogRegistered(string agentId, string agentName, string projectId, string agentType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Updated agent {AgentId}: status {Status}, monitoring {MonitoringEnabled}")]
    private partial void LogUpdated(string agentId, string status, bool monitoringEnabled);
}
