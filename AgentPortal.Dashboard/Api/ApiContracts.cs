using System.Text.Json;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Dashboard.Api;

// What the HTTP API sends back. Property names become the seed's snake_case (trace_id, project_id, last_used_at).

public sealed record AgentReply(
    string Id,
    string Name,
    string Type,
    string ProjectId,
    string? ExternalId,
    JsonElement? Config,
    bool MonitoringEnabled,
    string Status,
    DateTime CreatedAt,
    DateTime? LastUsedAt,
    string RegisteredVia)
{
    public static AgentReply From(Agent agent) => new(
        agent.Id, agent.Name, agent.Type.ToWire(), agent.ProjectId, agent.ExternalId,
        agent.Config is null ? null : JsonDocument.Parse(agent.Config).RootElement.Clone(),
        agent.MonitoringEnabled, agent.Status.ToWire(), Utc(agent.CreatedAt), agent.LastUsedAt is { } used ? Utc(used) : null, agent.RegisteredVia);

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}

public sealed record PageReply<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize, bool HasMore);

public sealed record StartRunReply(string TraceId, string SpanId, DateTime StartedAt, bool Stored);

public sealed record EndRunReply(string TraceId, string Status, DateTime EndedAt, double? DurationMs, bool Stored);

public sealed record StatsReply(
    string AgentId,
    DateTime From,
    DateTime To,
    long Runs,
    long LlmCalls,
    long Errors,
    double ErrorRate,
    long InputTokens,
    long OutputTokens,
    decimal? Cost,
    string CostCurrency,
    IReadOnlyList<string> UnpricedModels,
    double? ReportedCost,
    double? P50Ms,
    double? P95Ms,
    long LlmErrors,
    double LlmErrorRate);

public sealed record PriceReply(string Model, decimal InputPerMillion, decimal OutputPerMillion, decimal? CachedInputPerMillion, DateTime EffectiveFrom, DateTime CreatedAt)
{
    public static PriceReply From(AgentPortal.Core.Pricing.ModelPrice price) => new(price.Model, price.InputPerMillion, price.OutputPerMillion, price.CachedInputPerMillion,
        DateTime.SpecifyKind(price.EffectiveFrom, DateTimeKind.Utc), DateTime.SpecifyKind(price.CreatedAt, DateTimeKind.Utc));
}

public sealed record ErrorGroupReply(string SpanName, string Message, bool IsRunRoot, long Count, DateTime LastSeenAt, string LatestTraceId)
{
    public static ErrorGroupReply From(ErrorGroup group) => new(group.SpanName, group.Message, group.IsRunRoot, group.Count,
        AgentRunService.FromUnixNano(group.LastSeenUnixNano), group.LatestTraceId);
}

public sealed record RunReply(
    string TraceId,
    string SpanId,
    string AgentId,
    string ProjectId,
    DateTime StartedAt,
    DateTime? EndedAt,
    double? DurationMs,
    string Status,
    string? Error,
    string? Input,
    string? Output,
    JsonElement? Metadata,
    long LlmCalls,
    long InputTokens,
    long OutputTokens,
    decimal? Cost,
    IReadOnlyList<string> UnpricedModels)
{
    /// <summary>The run with its cost (null with no LLM calls, or when none of its models has a price).</summary>
    public static RunReply From(RunRecord run, IReadOnlyDictionary<string, CostBreakdown> costs) => From(run, costs.GetValueOrDefault(run.TraceId));

    public static RunReply From(RunRecord run, CostBreakdown? cost) => new(
        run.TraceId, run.SpanId, run.AgentId, run.ProjectId,
        AgentRunService.FromUnixNano(run.StartedUnixNano),
        run.EndedUnixNano is { } ended ? AgentRunService.FromUnixNano(ended) : null,
        run.DurationNanos / 1_000_000.0,
        run.Status.ToWire(), run.Error, run.Input, run.Output,
        run.Metadata is null ? null : JsonDocument.Parse(run.Metadata).RootElement.Clone(),
        run.LlmCalls, run.InputTokens, run.OutputTokens,
        cost?.Cost is { } c ? Math.Round(c, 6) : null, cost?.UnpricedModels ?? []);
}

public sealed record SpanEventReply(string Name, DateTime Time, IReadOnlyDictionary<string, string> Attributes);

public sealed record SpanLinkReply(string TraceId, string SpanId, IReadOnlyDictionary<string, string> Attributes);

public sealed record SpanReply(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    string? ServiceName,
    string? AgentId,
    DateTime StartTime,
    long StartTimeUnixNano,
    double DurationMs,
    string Status,
    string? StatusMessage,
    string? Operation,
    string? Provider,
    string? RequestModel,
    string? ResponseModel,
    long? InputTokens,
    long? OutputTokens,
    long? CachedInputTokens,
    bool IsRunRoot,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> ResourceAttributes,
    IReadOnlyList<SpanEventReply> Events,
    IReadOnlyList<SpanLinkReply> Links)
{
    public static SpanReply From(SpanRecord span) => new(
        span.TraceId, span.SpanId, span.ParentSpanId, span.Name, span.Kind.ToString().ToLowerInvariant(), span.ServiceName, span.AgentId,
        AgentRunService.FromUnixNano(span.StartTimeUnixNano), span.StartTimeUnixNano, span.DurationNanos / 1_000_000.0,
        span.Status.ToString().ToLowerInvariant(), span.StatusMessage, span.Operation, span.Provider, span.RequestModel, span.ResponseModel,
        span.InputTokens, span.OutputTokens, span.CachedInputTokens, span.IsRunRoot,
        ToMap(span.Attributes), ToMap(span.ResourceAttributes),
        [.. span.Events.Select(e => new SpanEventReply(e.Name, AgentRunService.FromUnixNano(e.TimeUnixNano), ToMap(e.Attributes)))],
        [.. span.Links.Select(l => new SpanLinkReply(l.TraceId, l.SpanId, ToMap(l.Attributes)))]);

    private static Dictionary<string, string> ToMap(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            map[key] = value;
        }
        return map;
    }
}

public sealed record TraceReply(string TraceId, RunReply? Run, IReadOnlyList<SpanReply> Spans);
