namespace AgentPortal.Core.Telemetry;

public enum SpanStatusCode
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>OpenTelemetry span kinds, numbered as in OTLP.</summary>
public enum SpanKindCode
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

public sealed record SpanEvent(string Name, long TimeUnixNano, IReadOnlyList<KeyValuePair<string, string>> Attributes);

/// <summary>A link from a span to another span, in this trace or another (a batch it consumed, the request that caused it).</summary>
public sealed record SpanLink(string TraceId, string SpanId, IReadOnlyList<KeyValuePair<string, string>> Attributes);

/// <summary>One span as stored: identity, timing, status, the GenAI fields the portal reads, and every attribute.</summary>
public sealed class SpanRecord
{
    /// <summary>32 lower-case hex characters. Set at ingest when an LLM call is moved under its agent run.</summary>
    public required string TraceId { get; set; }

    /// <summary>16 lower-case hex characters.</summary>
    public required string SpanId { get; init; }

    public string? ParentSpanId { get; set; }

    public required string Name { get; init; }

    public SpanKindCode Kind { get; init; }

    public string? ServiceName { get; init; }

    public string? AgentId { get; set; }

    public string? ProjectId { get; set; }

    public long StartTimeUnixNano { get; init; }

    public long DurationNanos { get; init; }

    public SpanStatusCode Status { get; init; }

    public string? StatusMessage { get; init; }

    /// <summary><c>gen_ai.operation.name</c>: chat, text_completion, embeddings, invoke_agent, execute_tool…</summary>
    public string? Operation { get; init; }

    public string? Provider { get; init; }

    public string? RequestModel { get; init; }

    public string? ResponseModel { get; init; }

    public long? InputTokens { get; init; }

    public long? OutputTokens { get; init; }

    public long? CachedInputTokens { get; init; }

    /// <summary>Cost reported by the source (LiteLLM's gen_ai.cost.*), kept beside the portal's own price-based cost.</summary>
    public double? ReportedCost { get; init; }

    /// <summary>
    /// True for the root span of an agent run: written at trace end for a run opened by trace start, or
    /// set by ingestion on an OpenTelemetry root span that is an agent invocation.
    /// </summary>
    public bool IsRunRoot { get; set; }

    public IReadOnlyList<KeyValuePair<string, string>> Attributes
    {
        get => _attributes;
        set
        {
            _attributes = value;
            _attributesJson = null;
        }
    }

    public IReadOnlyList<KeyValuePair<string, string>> ResourceAttributes { get; init; } = [];

    public IReadOnlyList<SpanEvent> Events { get; init; } = [];

    public IReadOnlyList<SpanLink> Links { get; init; } = [];

    /// <summary>
    /// Attributes, resource attributes and events as stored text, made once on the caller's thread so
    /// the single commit loop does not spend its time serialising.
    /// </summary>
    public string AttributesJson => _attributesJson ??= SpanJson.WriteAttributes(Attributes) ?? "";

    /// <summary>Set by ingestion to one text shared by all spans of a resource, instead of writing it per span.</summary>
    public string ResourceAttributesJson
    {
        get => _resourceJson ??= SpanJson.WriteAttributes(ResourceAttributes) ?? "";
        init => _resourceJson = value;
    }

    public string EventsJson => _eventsJson ??= SpanJson.WriteEvents(Events) ?? "";

    public string LinksJson => _linksJson ??= SpanJson.WriteLinks(Links) ?? "";

    private IReadOnlyList<KeyValuePair<string, string>> _attributes = [];
    private string? _attributesJson;
    private string? _resourceJson;
    private string? _eventsJson;
    private string? _linksJson;

    /// <summary>Serialises the stored text now; called before the span is queued for commit.</summary>
    public void PrepareForStorage()
    {
        _ = AttributesJson;
        _ = ResourceAttributesJson;
        _ = EventsJson;
        _ = LinksJson;
    }

    /// <summary>The model usage is attributed to: the response model when known, else the requested one.</summary>
    public string? Model => ResponseModel ?? RequestModel;

    /// <summary>The <c>gen_ai.operation.name</c> values of a call to a language or embedding model.</summary>
    public static IReadOnlyList<string> LlmOperations { get; } = ["chat", "text_completion", "generate_content", "embeddings"];

    /// <summary>
    /// A call to a language model (or embedding model), as opposed to agent, tool or framework spans.
    /// The stores' SQL form of this rule is <see cref="RunSpans.IsLlmCallSql"/>.
    /// </summary>
    public bool IsLlmCall => !IsRunRoot && (Operation is null ? Model is not null : LlmOperations.Contains(Operation));
}
