using Microsoft.Extensions.Caching.Memory;

namespace AgentPortal.Core.Agents;

/// <summary>
/// In-process lookups of agents by id, by (project, name) and by (project, external id). Entries are
/// copies, replaced whenever this process changes an agent, and expire so changes made by other
/// replicas show up within <see cref="Lifetime"/>.
/// </summary>
public sealed class AgentCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 100_000 });

    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    public bool TryGetById(string id, out Agent agent) => TryGet(("id", id), out agent);

    public bool TryGetByName(string projectId, string name, out Agent agent) => TryGet(("name", projectId, name), out agent);

    public bool TryGetByExternalId(string projectId, string externalId, out Agent agent) => TryGet(("external", projectId, externalId), out agent);

    /// <summary>
    /// Remembers that no agent has this external id, so spans naming agents by other ids do not
    /// query the database on every export. Registering such an agent here replaces the entry.
    /// </summary>
    public void PutNoExternalId(string projectId, string externalId) =>
        _cache.Set(("external-none", projectId, externalId), true, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime, Size = 1 });

    public bool KnownWithoutExternalId(string projectId, string externalId) =>
        _cache.TryGetValue(("external-none", projectId, externalId), out _);

    public Agent Put(Agent agent)
    {
        var copy = agent.Copy();
        var options = new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime, Size = 1 };
        _cache.Set(("id", copy.Id), copy, options);
        _cache.Set(("name", copy.ProjectId, copy.Name), copy, options);
        if (copy.ExternalId is not null)
        {
            _cache.Set(("external", copy.ProjectId, copy.ExternalId), copy, options);
            _cache.Remove(("external-none", copy.ProjectId, copy.ExternalId));
        }
        return copy.Copy();
    }

    private bool TryGet(object key, out Agent agent)
    {
        if (_cache.TryGetValue(key, out Agent? found) && found is not null)
        {
            agent = found.Copy();
            return true;
        }
        agent = null!;
        return false;
    }

    public void Dispose() => _cache.Dispose();
}
