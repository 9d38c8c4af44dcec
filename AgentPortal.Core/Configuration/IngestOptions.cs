namespace AgentPortal.Core.Configuration;

/// <summary>How ingestion decides what a span belongs to (docs/ARCHITECTURE.md, "What a span means").</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>
    /// A span that names no agent itself, has no ancestor that does and is not in an agent run belongs
    /// to the agent named by its resource's <c>service.name</c> (registered when new). <c>false</c>
    /// leaves such spans without an agent: stored and shown in their trace, counted for no agent.
    /// </summary>
    public bool AgentFromServiceName { get; set; } = true;
}
