using AgentPortal.Core.Common;

namespace AgentPortal.Core.Agents;

public sealed class RegisterAgentRequest
{
    public required string Name { get; init; }

    public required AgentType Type { get; init; }

    public string ProjectId { get; init; } = Agent.DefaultProject;

    public string? ExternalId { get; init; }

    /// <summary>A JSON object, already validated as one.</summary>
    public string? Config { get; init; }

    public string RegisteredVia { get; init; } = RegistrationSources.Api;
}

public sealed record RegisterAgentResult(Agent Agent, bool Created);

public sealed class ListAgentsRequest
{
    public AgentType? Type { get; init; }

    public AgentStatus? Status { get; init; }

    public string? ProjectId { get; init; }

    /// <summary>Matched against name and external id.</summary>
    public string? Search { get; init; }

    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = 50;
}

public sealed class UpdateAgentRequest
{
    public AgentType? Type { get; init; }

    public AgentStatus? Status { get; init; }

    public bool? MonitoringEnabled { get; init; }

    /// <summary>A JSON object replacing the stored one.</summary>
    public string? Config { get; init; }
}

/// <summary>The agent registry: register-or-get is idempotent and safe under concurrent calls.</summary>
public interface IAgentRegistry
{
    Task<RegisterAgentResult> RegisterOrGetAsync(RegisterAgentRequest request, CancellationToken cancellationToken);

    Task<Agent?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>The agents with these ids, in one read; ids that name no agent are absent.</summary>
    Task<IReadOnlyDictionary<string, Agent>> GetManyAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken);

    Task<Agent?> GetByExternalIdAsync(string projectId, string externalId, CancellationToken cancellationToken);

    /// <summary>Most recently used first; never-used agents last, newest first.</summary>
    Task<PagedResult<Agent>> ListAsync(ListAgentsRequest request, CancellationToken cancellationToken);

    Task<Agent> UpdateAsync(string id, UpdateAgentRequest request, CancellationToken cancellationToken);

    Task DeactivateAsync(string id, CancellationToken cancellationToken);

    /// <summary>Records that the agent was used now; cheap enough to call on every run.</summary>
    Task TouchAsync(string id, DateTime usedAt, CancellationToken cancellationToken);
}
