using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ProtoSpan = AgentPortal.Core.Otlp.Proto.Trace.Span;

namespace AgentPortal.Core.Otlp;

/// <summary>What one export did: how many spans were kept, and why the others were not.</summary>
public sealed class OtlpExportResult
{
    private const int MaxReasons = 5;
    private readonly List<string> _reasons = [];

    public int Accepted { get; internal set; }

    public int Rejected { get; private set; }

    /// <summary>The spans as committed: linked to their run and agent.</summary>
    public IReadOnlyList<SpanRecord> Stored { get; internal set; } = [];

    public string ErrorMessage => Rejected == 0
        ? ""
        : string.Join("; ", _reasons) + (Rejected > _reasons.Count ? $"; and {Rejected - _reasons.Count} more rejected spans" : "");

    internal void Reject(string reason)
    {
        Rejected++;
        if (_reasons.Count < MaxReasons)
        {
            _reasons.Add(reason);
        }
    }
}

/// <summary>
/// Transport-neutral OTLP trace ingestion: validates each span, maps OpenTelemetry GenAI and LiteLLM
/// attributes, links LLM calls to their agent run and agent (auto-registering agents first seen in
/// spans), and commits the valid spans through the <see cref="TelemetryWriter"/>. Invalid spans are
/// counted and explained; valid spans of the same request are kept.
/// </summary>
public sealed partial class OtlpTraceService(
    IAgentRegistry registry,
    ITelemetryStore store,
    TelemetryWriter writer,
    SpanForwarder forwarder,
    PortalMetrics metrics,
    IOptions<IngestOptions> options,
    ILogger<OtlpTraceService> logger)
{
    public const int MaxAttributeValueLength = 64 * 1024;
    public const int MaxAttributesPerSpan = 1_000;
    public const int MaxNameLength = 1_024;

    public async Task<OtlpExportResult> ExportAsync(ExportTraceServiceRequest request, string projectId, CancellationToken cancellationToken)
    {
        var result = new OtlpExportResult();
        var mapped = new List<MappedSpan>();
        var rejected = new HashSet<ProtoSpan>(ReferenceEqualityComparer.Instance);
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = ToPairs(resourceSpans.Resource?.Attributes);
            var serviceName = resource.FirstOrDefault(a => a.Key == "service.name").Value;
            var resourceJson = SpanJson.WriteAttributes(resource) ?? "";
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    if (Validate(span) is { } reason)
                    {
                        result.Reject(reason);
                        rejected.Add(span);
                        continue;
                    }
                    var item = Map(span, resource, resourceJson, serviceName);
                    if (ValidateAttributes(item) is { } attributeReason)
                    {
                        result.Reject(attributeReason);
                        rejected.Add(span);
                        continue;
                    }
                    mapped.Add(item);
                }
            }
        }

        var runs = mapped.Count == 0 ? [] : await LinkAsync(mapped, projectId, cancellationToken);

        if (mapped.Count > 0)
        {
            var records = new List<SpanRecord>(mapped.Count);
            foreach (var (span, _) in mapped)
            {
                span.PrepareForStorage();
                records.Add(span);
            }
            var outcome = await writer.WriteAsync(new TelemetryWrite.AppendSpans(records, runs.Count == 0 ? null : [.. runs.Select(r => r.Run)]), cancellationToken);
            result.Stored = records;
            LogAccepted(mapped.Count, outcome.Count, result.Rejected, projectId);
            metrics.SpansIngested(records, result.Rejected);
            // Runs seen in an export that stored nothing new (a retry) were counted the first time.
            foreach (var (run, agentType) in outcome.Count > 0 ? runs : [])
            {
                metrics.RunEnded(agentType, run.Run.Status, run.Run.DurationNanos ?? 0);
            }
            if (forwarder.Enabled)
            {
                forwarder.TryForward(Accepted(request, rejected));
            }
        }
        else
        {
            metrics.SpansRejected(result.Rejected);
        }
        result.Accepted = mapped.Count;
        return result;
    }

    /// <summary>The export as it came, without the spans that were rejected.</summary>
    private static ExportTraceServiceRequest Accepted(ExportTraceServiceRequest request, HashSet<ProtoSpan> rejected)
    {
        if (rejected.Count == 0)
        {
            return request;
        }
        var accepted = new ExportTraceServiceRequest();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var copy = new Proto.Trace.ResourceSpans { Resource = resourceSpans.Resource, SchemaUrl = resourceSpans.SchemaUrl };
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = new Proto.Trace.ScopeSpans { Scope = scopeSpans.Scope, SchemaUrl = scopeSpans.SchemaUrl };
                scope.Spans.AddRange(scopeSpans.Spans.Where(s => !rejected.Contains(s)));
                if (scope.Spans.Count > 0)
                {
                    copy.ScopeSpans.Add(scope);
                }
            }
            if (copy.ScopeSpans.Count > 0)
            {
                accepted.ResourceSpans.Add(copy);
            }
        }
        return accepted;
    }

    private static string? Validate(ProtoSpan span)
    {
        if (span.TraceId.Length != 16 || span.TraceId.Span.IndexOfAnyExcept((byte)0) < 0)
        {
            return $"span '{Truncate(span.Name)}': trace_id must be 16 bytes (32 hex characters) and not all zeros";
        }
        var traceId = Convert.ToHexStringLower(span.TraceId.Span);
        if (span.SpanId.Length != 8 || span.SpanId.Span.IndexOfAnyExcept((byte)0) < 0)
        {
            return $"span '{Truncate(span.Name)}' in trace {traceId}: span_id must be 8 bytes (16 hex characters) and not all zeros";
        }
        if (span.ParentSpanId.Length is not (0 or 8))
        {
            return $"span '{Truncate(span.Name)}' in trace {traceId}: parent_span_id must be empty or 8 bytes";
        }
        if (span.Name.Length > MaxNameLength)
        {
            return $"span in trace {traceId}: name is longer than {MaxNameLength} characters";
        }
        if (span.EndTimeUnixNano < span.StartTimeUnixNano)
        {
            return $"span '{Truncate(span.Name)}' in trace {traceId}: end_time_unix_nano is before start_time_unix_nano";
        }
        if (span.Attributes.Count > MaxAttributesPerSpan)
        {
            return $"span '{Truncate(span.Name)}' in trace {traceId}: more than {MaxAttributesPerSpan} attributes";
        }
        return null;
    }

    /// <summary>Checked on the mapped text, so each attribute value is converted once.</summary>
    private static string? ValidateAttributes(MappedSpan mapped)
    {
        var span = mapped.Span;
        foreach (var (key, value) in span.Attributes)
        {
            if (value.Length > MaxAttributeValueLength)
            {
                return $"span '{Truncate(span.Name)}' in trace {span.TraceId}: attribute '{Truncate(key)}' is larger than {MaxAttributeValueLength} characters";
            }
        }
        return null;
    }

    private static MappedSpan Map(ProtoSpan span, List<KeyValuePair<string, string>> resource, string resourceJson, string? serviceName)
    {
        var attributes = ToPairs(span.Attributes);
        string? Get(string key)
        {
            for (var i = attributes.Count - 1; i >= 0; i--)
            {
                if (attributes[i].Key == key)
                {
                    return attributes[i].Value;
                }
            }
            return null;
        }
        string? First(string[] keys)
        {
            foreach (var key in keys)
            {
                if (Get(key) is { Length: > 0 } value)
                {
                    return value;
                }
            }
            return null;
        }

        long? Number(params string[] keys)
        {
            foreach (var key in keys)
            {
                if (Get(key) is { } text && long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0)
                {
                    return value;
                }
            }
            return null;
        }

        double? Money(params string[] keys)
        {
            foreach (var key in keys)
            {
                if (Get(key) is { } text && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0)
                {
                    return value;
                }
            }
            return null;
        }

        var requester = Get("metadata.requester_metadata");
        // The gateway's own span of a call the portal's chat API made and recorded (LiteLLM writes the
        // request's metadata as metadata.*): it hangs under the portal's span and is not counted twice.
        var recorded = Get("metadata.agentportal_span_id") is { } recordedSpan && AgentRunService.IsHexId(recordedSpan, 16)
            && Get("metadata.agentportal_trace_id") is { } recordedTrace && AgentRunService.IsHexId(recordedTrace, 32)
            && recordedSpan != Convert.ToHexStringLower(span.SpanId.Span)
                ? (Trace: recordedTrace, Span: recordedSpan)
                : ((string Trace, string Span)?)null;
        var errorType = Get("error.type");
        var status = span.Status?.Code switch
        {
            Proto.Trace.Status.Types.StatusCode.Ok => SpanStatusCode.Ok,
            Proto.Trace.Status.Types.StatusCode.Error => SpanStatusCode.Error,
            _ => errorType is not null ? SpanStatusCode.Error : SpanStatusCode.Unset,
        };
        var record = new SpanRecord
        {
            TraceId = Convert.ToHexStringLower(span.TraceId.Span),
            SpanId = Convert.ToHexStringLower(span.SpanId.Span),
            ParentSpanId = span.ParentSpanId.Length == 8 ? Convert.ToHexStringLower(span.ParentSpanId.Span) : null,
            Name = span.Name,
            Kind = (SpanKindCode)(int)span.Kind,
            ServiceName = serviceName,
            StartTimeUnixNano = (long)Math.Min(span.StartTimeUnixNano, long.MaxValue),
            DurationNanos = (long)Math.Min(span.EndTimeUnixNano - span.StartTimeUnixNano, long.MaxValue),
            Status = status,
            StatusMessage = string.IsNullOrEmpty(span.Status?.Message) ? errorType : span.Status.Message,
            Operation = recorded is not null ? GenAiAttributes.RecordedByPortal : Get(GenAiAttributes.Operation) ?? GenAiAttributes.DialectOperation(Get),
            Provider = First(GenAiAttributes.Provider) ?? GenAiAttributes.VercelProvider(Get("ai.model.provider")),
            RequestModel = First(GenAiAttributes.RequestModels),
            ResponseModel = First(GenAiAttributes.ResponseModels),
            InputTokens = Number(GenAiAttributes.InputTokens) ?? LangfuseUsage.Tokens(Get("langfuse.observation.usage_details"), "input"),
            OutputTokens = Number(GenAiAttributes.OutputTokens) ?? LangfuseUsage.Tokens(Get("langfuse.observation.usage_details"), "output"),
            CachedInputTokens = Number(GenAiAttributes.CachedInputTokens) ?? LangfuseUsage.Tokens(Get("langfuse.observation.usage_details"), "cache_read_input_tokens", "input_cached_tokens"),
            ReportedCost = Money("gen_ai.cost.total_cost", "gen_ai.usage.cost", "llm.cost.total") ?? (Money("gen_ai.cost.input_cost") + Money("gen_ai.cost.output_cost"))
                ?? LangfuseUsage.Total(Get("langfuse.observation.cost_details")),
            Attributes = attributes,
            ResourceAttributes = resource,
            ResourceAttributesJson = resourceJson,
            Events = span.Events.Count == 0 ? [] : [.. span.Events.Select(e => new SpanEvent(e.Name, (long)Math.Min(e.TimeUnixNano, long.MaxValue), ToPairs(e.Attributes)))],
            // A link without a full trace and span id points nowhere and is left out.
            Links = span.Links.Count == 0 ? [] : [.. span.Links.Where(l => l.TraceId.Length == 16 && l.SpanId.Length == 8)
                .Select(l => new SpanLink(Convert.ToHexStringLower(l.TraceId.Span), Convert.ToHexStringLower(l.SpanId.Span), ToPairs(l.Attributes)))],
        };
        // Agent linkage, first match wins (docs/ARCHITECTURE.md, "What a span means").
        var hints = new LinkHints(
            Get(GenAiAttributes.AgentId[0]) ?? Get(GenAiAttributes.AgentId[1]) ?? RequesterMetadata.Find(requester, "agent_id"),
            Get(GenAiAttributes.AgentNames[0]) ?? Get(GenAiAttributes.AgentNames[1]) ?? RequesterMetadata.Find(requester, "agent_name") ?? First(GenAiAttributes.AgentNames[2..]),
            Get("metadata.agent_type") ?? RequesterMetadata.Find(requester, "agent_type"),
            Get("metadata.parent_trace_id") ?? RequesterMetadata.Find(requester, "parent_trace_id"),
            recorded?.Trace,
            recorded?.Span);
        return new MappedSpan(record, hints);
    }

    /// <summary>
    /// The one place that decides what the spans of an export belong to (docs/ARCHITECTURE.md, "What a
    /// span means"); the stores only keep what it decided. In order:
    /// <list type="number">
    /// <item>An LLM call made during an agent run that names the run (<c>metadata.parent_trace_id</c>;
    /// LiteLLM starts its own trace) moves under it: same trace, and the call's root spans become children
    /// of the run's root span. The original trace id is kept as an attribute.</item>
    /// <item>The agent is the one the span names; else its innermost ancestor's in the export that names
    /// one; else its run's; else the agent named by the resource's <c>service.name</c>
    /// (<see cref="IngestOptions.AgentFromServiceName"/>).</item>
    /// <item>A trace's root span that is an agent invocation, or names its agent itself, and is not an LLM
    /// call, is a finished run of that agent, unless the trace already is a run.</item>
    /// </list>
    /// </summary>
    private async Task<List<(ObservedRun Run, string AgentType)>> LinkAsync(List<MappedSpan> spans, string projectId, CancellationToken cancellationToken)
    {
        var moves = new Dictionary<string, string>(StringComparer.Ordinal);
        var recordedParents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (span, hints) in spans)
        {
            if ((hints.RecordedTraceId ?? RunTraceOf(hints.ParentTraceId, span.TraceId)) is var runTrace && runTrace != span.TraceId)
            {
                moves.TryAdd(span.TraceId, runTrace);
            }
            if (hints.RecordedSpanId is { } recordedSpan)
            {
                recordedParents.TryAdd(span.TraceId, recordedSpan);
            }
        }

        var agents = new AgentCache(this, projectId, cancellationToken);
        foreach (var (span, hints) in spans)
        {
            if (hints.NamesAgent && await agents.ResolveAsync(hints, span.ServiceName) is { } agent)
            {
                (span.AgentId, span.ProjectId) = (agent.Id, projectId);
            }
        }
        InheritFromAncestors(spans);

        // One read of the runs this export touches: where calls move to, the runs of spans that still
        // have no agent, and the traces whose root span may be a run.
        var candidates = new List<SpanRecord>();
        var wanted = new HashSet<string>(moves.Values, StringComparer.Ordinal);
        foreach (var (span, hints) in spans)
        {
            var moved = moves.ContainsKey(span.TraceId);
            if (!moved && span.ParentSpanId is null && !span.IsLlmCall && span.Operation != GenAiAttributes.RecordedByPortal
                && (hints.NamesAgent || span.Operation == "invoke_agent"))
            {
                candidates.Add(span);
                wanted.Add(span.TraceId);
            }
            else if (span.AgentId is null)
            {
                wanted.Add(moved ? moves[span.TraceId] : span.TraceId);
            }
        }
        var runs = wanted.Count == 0 ? [] : (await ReadRunsAsync(wanted, cancellationToken)).ToDictionary(r => r.TraceId, StringComparer.Ordinal);

        if (moves.Count > 0)
        {
            MoveUnderRuns(spans, moves, recordedParents, runs);
        }

        foreach (var (span, _) in spans)
        {
            if (span.AgentId is not null)
            {
                continue;
            }
            if (runs.TryGetValue(span.TraceId, out var run))
            {
                (span.AgentId, span.ProjectId) = (run.AgentId, run.ProjectId);
            }
            else if (options.Value.AgentFromServiceName && ServiceAgent(span.ServiceName) is { } service
                && await agents.ResolveAsync(new LinkHints(null, service, null, null), span.ServiceName) is { } agent)
            {
                (span.AgentId, span.ProjectId) = (agent.Id, projectId);
            }
        }

        var observed = new List<(ObservedRun, string)>();
        var observedTraces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var span in candidates)
        {
            if (span.AgentId is null || runs.ContainsKey(span.TraceId) || !observedTraces.Add(span.TraceId))
            {
                continue;
            }
            span.IsRunRoot = true;
            observed.Add((new ObservedRun(ObservedRunOf(span), agents.NameOf(span.AgentId) ?? span.Name), agents.TypeOf(span.AgentId)));
        }
        return observed;
    }

    /// <summary>The write path's read: a store that cannot answer it cannot take the write either (503, nothing stored).</summary>
    private async Task<IReadOnlyList<RunRecord>> ReadRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetRunsAsync(traceIds, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ReadOnlyTelemetryStoreException)
        {
            throw new TelemetryStoreUnavailableException(store.Name, ex);
        }
    }

    /// <summary>A span without an agent of its own takes its innermost ancestor's in the same export.</summary>
    private static void InheritFromAncestors(List<MappedSpan> spans)
    {
        if (spans.TrueForAll(s => s.Span.AgentId is not null))
        {
            return;
        }
        var byId = new Dictionary<(string, string), SpanRecord>();
        foreach (var (span, _) in spans)
        {
            byId.TryAdd((span.TraceId, span.SpanId), span);
        }
        foreach (var (span, _) in spans)
        {
            var ancestor = span;
            // Bounded: a malformed export may hold a cycle of parents.
            for (var depth = 0; span.AgentId is null && depth < 256 && ancestor.ParentSpanId is { } parent
                && byId.TryGetValue((span.TraceId, parent), out var next); depth++)
            {
                ancestor = next;
                if (ancestor.AgentId is not null)
                {
                    (span.AgentId, span.ProjectId) = (ancestor.AgentId, ancestor.ProjectId);
                }
            }
        }
    }

    private static void MoveUnderRuns(List<MappedSpan> spans, Dictionary<string, string> moves, Dictionary<string, string> recordedParents, Dictionary<string, RunRecord> runs)
    {
        var spanIdsByTrace = spans.GroupBy(s => s.Span.TraceId).ToDictionary(g => g.Key, g => g.Select(s => s.Span.SpanId).ToHashSet());
        foreach (var (span, _) in spans)
        {
            if (!moves.TryGetValue(span.TraceId, out var runTrace))
            {
                continue;
            }
            var isRootOfItsTrace = span.ParentSpanId is null || !spanIdsByTrace[span.TraceId].Contains(span.ParentSpanId);
            span.Attributes = [.. span.Attributes, new("agentportal.original_trace_id", span.TraceId)];
            var originalTrace = span.TraceId;
            span.TraceId = runTrace;
            if (isRootOfItsTrace && (recordedParents.GetValueOrDefault(originalTrace) ?? runs.GetValueOrDefault(runTrace)?.SpanId) is { } newParent)
            {
                span.ParentSpanId = newParent;
            }
        }
    }

    /// <summary>The run a root span stands for: its agent, timing, status, and the input and output the dialects record on it.</summary>
    private static RunRecord ObservedRunOf(SpanRecord span)
    {
        string? First(string[] keys)
        {
            foreach (var key in keys)
            {
                foreach (var (name, value) in span.Attributes)
                {
                    if (name == key && value.Length > 0)
                    {
                        return value;
                    }
                }
            }
            return null;
        }
        var failed = span.Status == SpanStatusCode.Error;
        return new RunRecord
        {
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            AgentId = span.AgentId!,
            ProjectId = span.ProjectId!,
            StartedUnixNano = span.StartTimeUnixNano,
            EndedUnixNano = span.StartTimeUnixNano + span.DurationNanos,
            Status = failed ? RunStatus.Error : RunStatus.Ok,
            Error = failed ? span.StatusMessage ?? "error" : null,
            Input = RunSpans.Preview(First(GenAiAttributes.RunInput)),
            Output = RunSpans.Preview(First(GenAiAttributes.RunOutput)),
        };
    }

    /// <summary>
    /// The agent a resource's service.name names. The name the OpenTelemetry SDKs give a service nobody
    /// named (unknown_service, unknown_service:python…) names none, and neither do the portal's own
    /// services (a chat without an agent stays without one).
    /// </summary>
    private static string? ServiceAgent(string? serviceName) =>
        string.IsNullOrWhiteSpace(serviceName) || serviceName.StartsWith("unknown_service", StringComparison.Ordinal) || PortalSpan.OwnServices.Contains(serviceName)
            ? null
            : serviceName;

    /// <summary>The trace a span ends up in: its run's when it names one (metadata.parent_trace_id), else its own.</summary>
    public static string RunTraceOf(string? parentTraceId, string traceId) =>
        parentTraceId?.ToLowerInvariant() is { } parent && AgentRunService.IsHexId(parent, 32) ? parent : traceId;

    /// <summary>Agents resolved once per export: spans of one export mostly name the same few.</summary>
    private sealed class AgentCache(OtlpTraceService service, string projectId, CancellationToken cancellationToken)
    {
        private readonly Dictionary<(string? Key, string? Name), Agent?> _resolved = [];
        private readonly Dictionary<string, Agent> _known = new(StringComparer.Ordinal);

        public ValueTask<Agent?> ResolveAsync(LinkHints hints, string? serviceName) =>
            _resolved.TryGetValue((hints.AgentKey, hints.AgentName), out var agent) ? ValueTask.FromResult(agent) : new(LookUpAsync(hints, serviceName));

        private async Task<Agent?> LookUpAsync(LinkHints hints, string? serviceName)
        {
            var agent = await service.ResolveAgentAsync(hints, serviceName, projectId, cancellationToken);
            _resolved[(hints.AgentKey, hints.AgentName)] = agent;
            if (agent is not null)
            {
                _known[agent.Id] = agent;
            }
            return agent;
        }

        public string? NameOf(string? agentId) => agentId is not null && _known.TryGetValue(agentId, out var agent) ? agent.Name : null;

        /// <summary>The agent's type as the metrics label it; an agent named by id only (not looked up) is custom.</summary>
        public string TypeOf(string? agentId) => (agentId is not null && _known.TryGetValue(agentId, out var agent) ? agent.Type : AgentType.Custom).ToWire();
    }

    private async Task<Agent?> ResolveAgentAsync(LinkHints span, string? serviceName, string projectId, CancellationToken cancellationToken)
    {
        if (span.AgentKey is { } agentKey)
        {
            if (Guid.TryParse(agentKey, out _) && await registry.GetAsync(agentKey, cancellationToken) is { } byId && byId.ProjectId == projectId)
            {
                return byId;
            }
            if (await registry.GetByExternalIdAsync(projectId, agentKey, cancellationToken) is { } byExternal)
            {
                return byExternal;
            }
        }

        var name = (span.AgentName ?? span.AgentKey)!;
        if (name.Length > Agent.MaxNameLength)
        {
            return null;
        }
        var type = AgentEnums.TryParseType(span.AgentType, out var given) ? given : GuessType(serviceName);
        var registered = await registry.RegisterOrGetAsync(new RegisterAgentRequest
        {
            Name = name,
            Type = type,
            ProjectId = projectId,
            ExternalId = span.AgentKey is { } external && external != name && external.Length <= 255 ? external : null,
            RegisteredVia = RegistrationSources.Telemetry,
        }, cancellationToken);
        if (registered.Created)
        {
            LogDiscovered(registered.Agent.Id, name, projectId);
        }
        return registered.Agent;
    }

    private static AgentType GuessType(string? serviceName)
    {
        var service = serviceName?.ToLowerInvariant() ?? "";
        foreach (var type in new[] { AgentType.Vanna, AgentType.Langflow, AgentType.Flowise, AgentType.Autogen })
        {
            if (service.Contains(type.ToWire(), StringComparison.Ordinal))
            {
                return type;
            }
        }
        return AgentType.Custom;
    }

    private static List<KeyValuePair<string, string>> ToPairs(IEnumerable<KeyValue>? attributes) =>
        attributes is null ? [] : [.. attributes.Select(a => new KeyValuePair<string, string>(a.Key, OtlpAttributes.ToText(a.Value)))];

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    /// <summary>What a span says about its agent and run, read once and used to link it.</summary>
    private sealed record LinkHints(string? AgentKey, string? AgentName, string? AgentType, string? ParentTraceId, string? RecordedTraceId = null, string? RecordedSpanId = null)
    {
        /// <summary>The span names its agent itself.</summary>
        public bool NamesAgent => AgentKey is not null || AgentName is not null;
    }

    private readonly record struct MappedSpan(SpanRecord Span, LinkHints Hints);

    [LoggerMessage(Level = LogLevel.Debug, Message = "OTLP export for project {ProjectId}: {Accepted} spans accepted ({New} new), {Rejected} rejected")]
    private partial void LogAccepted(int accepted, int @new, int rejected, string projectId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered agent {AgentId} '{AgentName}' in project {ProjectId}, discovered in telemetry")]
    private partial void LogDiscovered(string agentId, string agentName, string projectId);
}
