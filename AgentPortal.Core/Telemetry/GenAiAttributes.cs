namespace AgentPortal.Core.Telemetry;

/// <summary>
/// The span attribute names the portal reads GenAI fields from, first match wins: the current
/// OpenTelemetry GenAI conventions, then their legacy names and LiteLLM's. OTLP ingestion and the
/// ClickHouse Collector mode read the same names.
/// </summary>
public static class GenAiAttributes
{
    public const string Operation = "gen_ai.operation.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";

    public static readonly string[] Provider = ["gen_ai.provider.name", "gen_ai.system"];
    public static readonly string[] InputTokens = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"];
    public static readonly string[] OutputTokens = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"];
    public static readonly string[] CachedInputTokens = ["gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.prompt_tokens_details.cached_tokens"];

    /// <summary>The agent a span names, in the linkage order of docs/ARCHITECTURE.md (before LiteLLM's requester_metadata).</summary>
    public static readonly string[] AgentId = ["gen_ai.agent.id", "metadata.agent_id"];
}
