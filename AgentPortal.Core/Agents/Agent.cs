namespace AgentPortal.Core.Agents;

public static class RegistrationSources
{
    public const string Api = "api";
    public const string Telemetry = "telemetry";
    public const string Portal = "portal";
}

/// <summary>
/// A registered agent, as the seed's <c>agents</c> table: unique by (name, project). Times are UTC.
/// </summary>
public sealed class Agent
{
    public const string DefaultProject = "default-project";
    public const int MaxNameLength = 255;

    public required string Id { get; init; }

    public required string Name { get; init; }

    public AgentType Type { get; set; }

    public string ProjectId { get; init; } = DefaultProject;

    /// <summary>The agent's id in its own platform: a Langflow flow id, a Flowise chatflow id, a Vanna connection.</summary>
    public string? ExternalId { get; set; }

    /// <summary>Free-form JSON object describing the agent.</summary>
    public string? Config { get; set; }

    public bool MonitoringEnabled { get; set; } = true;

    public AgentStatus Status { get; set; } = AgentStatus.Active;

    public DateTime CreatedAt { get; init; }

    public DateTime? LastUsedAt { get; set; }

    /// <summary>How the agent came to be registered: <c>api</c> (it registered itself or was registered) or <c>telemetry</c> (discovered in spans).</summary>
    public string RegisteredVia { get; init; } = RegistrationSources.Api;

    public Agent Copy() => (Agent)MemberwiseClone();
}
