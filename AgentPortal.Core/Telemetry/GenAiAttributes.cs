namespace AgentPortal.Core.Telemetry;

/// <summary>
/// The span attribute names the portal reads GenAI fields from, first match wins: the current
/// OpenTelemetry GenAI conventions, then their legacy names and LiteLLM's, then the agent SDKs'
/// dialects (OpenInference: <c>llm.*</c>; OpenLLMetry/Traceloop; the Vercel AI SDK: <c>ai.*</c>).
/// OTLP ingestion and the ClickHouse Collector mode read the same names.
/// </summary>
public static class GenAiAttributes
{
    public const string Operation = "gen_ai.operation.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";

    /// <summary>
    /// The operation given to a gateway's span of a call the portal's chat API already recorded: shown
    /// in the trace under the portal's span, not counted as a second LLM call.
    /// </summary>
    public const string RecordedByPortal = "gateway_request";

    public static readonly string[] Provider = ["gen_ai.provider.name", "gen_ai.system", "llm.provider", "llm.system"];
    public static readonly string[] RequestModels = [RequestModel, "llm.model_name", "ai.model.id"];
    public static readonly string[] ResponseModels = [ResponseModel, "ai.response.model"];
    public static readonly string[] InputTokens = ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt", "ai.usage.inputTokens", "ai.usage.promptTokens"];
    public static readonly string[] OutputTokens = ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion", "ai.usage.outputTokens", "ai.usage.completionTokens"];
    public static readonly string[] CachedInputTokens =
    [
        "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens", "gen_ai.usage.prompt_tokens_details.cached_tokens",
        "llm.token_count.prompt_details.cache_read", "ai.usage.cachedInputTokens",
    ];

    /// <summary>Agent names the dialects give, after the portal's own: OpenInference, Traceloop's workflow, the Vercel AI SDK's function id.</summary>
    public static readonly string[] AgentNames = ["gen_ai.agent.name", "metadata.agent_name", "agent.name", "traceloop.workflow.name", "ai.telemetry.functionId"];

    /// <summary>
    /// The GenAI operation of a span that does not say it with <see cref="Operation"/>, from the dialect
    /// markers: OpenInference's and Langfuse's span kinds, Traceloop's span kind and request type, and the
    /// Vercel AI SDK's operation id. Null when nothing marks the span.
    /// </summary>
    public static string? DialectOperation(Func<string, string?> get)
    {
        var kind = (get("openinference.span.kind") ?? get("langfuse.observation.type"))?.ToUpperInvariant();
        var operation = kind switch
        {
            "LLM" or "GENERATION" => "chat",
            "EMBEDDING" => "embeddings",
            "AGENT" => "invoke_agent",
            "TOOL" => "execute_tool",
            _ => null,
        };
        if (operation is not null)
        {
            return operation;
        }
        operation = get("traceloop.span.kind")?.ToLowerInvariant() switch
        {
            "agent" or "workflow" => "invoke_agent",
            "tool" => "execute_tool",
            _ => null,
        };
        operation ??= get("llm.request.type")?.ToLowerInvariant() switch
        {
            "chat" => "chat",
            "completion" => "text_completion",
            "embedding" => "embeddings",
            _ => null,
        };
        if (operation is not null || get("ai.operationId") is not { } vercel)
        {
            return operation;
        }
        // The AI SDK wraps each provider call (ai.generateText.doGenerate) in a span of its own
        // (ai.generateText) carrying the same model and usage: only the inner one is the LLM call.
        return vercel switch
        {
            _ when vercel.EndsWith(".doGenerate", StringComparison.Ordinal) || vercel.EndsWith(".doStream", StringComparison.Ordinal) => "chat",
            _ when vercel.EndsWith(".doEmbed", StringComparison.Ordinal) => "embeddings",
            "ai.toolCall" => "execute_tool",
            _ => vercel,
        };
    }

    /// <summary>The Vercel AI SDK's provider id names the API too ("openai.chat"): the provider is the part before the dot.</summary>
    public static string? VercelProvider(string? providerId) => providerId?.Split('.')[0] is { Length: > 0 } provider ? provider : null;

    /// <summary>The conversation or session a span belongs to: the GenAI conventions, OpenInference, Langfuse, LiteLLM's metadata.</summary>
    public static readonly string[] SessionIds = ["gen_ai.conversation.id", "session.id", "langfuse.session.id", "metadata.session_id"];

    /// <summary>The user a span was made for: OpenInference and the portal's chat API, Langfuse, the OpenTelemetry end-user attribute, LiteLLM's metadata.</summary>
    public static readonly string[] UserIds = ["user.id", "langfuse.user.id", "enduser.id", "metadata.user_id"];

    /// <summary>
    /// A run's input as the dialects record it on an agent's root span: OpenInference, Traceloop, Langfuse,
    /// the Vercel AI SDK, the GenAI conventions, and the portal's own.
    /// </summary>
    public static readonly string[] RunInput =
    [
        "input.value", "traceloop.entity.input", "langfuse.observation.input", "langfuse.trace.input", "ai.prompt", "gen_ai.input.messages",
        "gen_ai.prompt", RunSpans.InputAttribute,
    ];

    /// <summary>A run's output, in the same dialects as <see cref="RunInput"/>.</summary>
    public static readonly string[] RunOutput =
    [
        "output.value", "traceloop.entity.output", "langfuse.observation.output", "langfuse.trace.output", "ai.response.text", "gen_ai.output.messages",
        "gen_ai.completion", RunSpans.OutputAttribute,
    ];

    /// <summary>The agent a span names, in the linkage order of docs/ARCHITECTURE.md (before LiteLLM's requester_metadata).</summary>
    public static readonly string[] AgentId = ["gen_ai.agent.id", "metadata.agent_id"];
}
