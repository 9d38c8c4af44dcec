using System.Text.Json;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry.Retention;

namespace AgentPortal.Core.Telemetry.ClickHouse;

/// <summary>
/// Collector mode: reads runs, spans and usage straight from the OpenTelemetry Collector's traces
/// table (see <see cref="CollectorTracesSql"/>), aggregating at query time. Read-only: the Collector
/// writes, so trace start/end and OTLP ingestion are refused with a message saying where spans go.
/// Needs a ClickHouse with the Map type (21.1 or later).
/// </summary>
public sealed class CollectorTracesStore : ITelemetryStore, IDisposable
{
    public const string ReadOnlyMessage =
        "Telemetry:ClickHouse:Mode is Collector: AgentPortal reads the OpenTelemetry Collector's traces table and stores nothing itself. Send spans to the Collector instead.";

    private readonly ClickHouseClient _client;
    private readonly CollectorTracesSql _sql;

    public CollectorTracesStore(ClickHouseOptions options)
    {
        _client = new ClickHouseClient(options);
        _sql = new CollectorTracesSql(options.TracesTable);
    }

    public string Name => "telemetry-clickhouse-collector";

    public Task InitializeAsync(CancellationToken cancellationToken) => PingAsync(cancellationToken);

    public async Task PingAsync(CancellationToken cancellationToken) => await _client.QueryAsync(_sql.Ping(), cancellationToken);

    public Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken) =>
        throw new ReadOnlyTelemetryStoreException(ReadOnlyMessage);

    /// <summary>The Collector's table is not the portal's: its exporter's <c>ttl</c> setting keeps it in bounds.</summary>
    public const string RetentionOwner = "the OpenTelemetry Collector's ClickHouse exporter (its ttl setting)";

    public Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) =>
        throw new ReadOnlyTelemetryStoreException($"Retention of {_sql.Table} is set by {RetentionOwner}; AgentPortal deletes nothing from it.");

    public IAsyncEnumerable<object?[]> ExportRowsAsync(Data.Export.TelemetryTable table, CancellationToken cancellationToken) =>
        throw new ReadOnlyTelemetryStoreException($"Telemetry:ClickHouse:Mode is Collector: the spans are the Collector's, in {_sql.Table}; back that table up with ClickHouse's own tools.");

    public Task ImportRowsAsync(Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) =>
        throw new ReadOnlyTelemetryStoreException(ReadOnlyMessage);

    public async Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var size = (await _client.QueryAsync(_sql.TableSize(_client.Database), cancellationToken))[0];
        var range = (await _client.QueryAsync(_sql.SpanRange(), cancellationToken))[0];
        var hasSpans = range.GetProperty("spans").GetInt64() > 0;
        var bytes = size.GetProperty("bytes").GetInt64();
        return new TelemetryStoreStats(Name, $"{_client.Database}.{_sql.Table} on ClickHouse", bytes, bytes,
            [new TableStats(_sql.Table, size.GetProperty("rows").GetInt64(), bytes)],
            hasSpans ? AgentRunService.FromUnixNano(range.GetProperty("oldest").GetInt64()) : null,
            hasSpans ? AgentRunService.FromUnixNano(range.GetProperty("newest").GetInt64()) : null,
            RetentionOwner);
    }

    /// <summary>Only ingestion asks for many runs at once, to link what it is about to write: refused like a write.</summary>
    public Task<IReadOnlyList<RunRecord>> GetRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) =>
        throw new ReadOnlyTelemetryStoreException(ReadOnlyMessage);

    public async Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) =>
        (await ListRunsAsync(new ListRunsRequest { PageSize = 1 }, traceId, cancellationToken)).Items.FirstOrDefault();

    public async Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken) =>
        [.. (await _client.QueryAsync(_sql.Trace(traceId), cancellationToken)).Select(ReadSpan)];

    public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) =>
        ListRunsAsync(request, null, cancellationToken);

    public async Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var usage = (await UsageAsync(from, to, agentId, cancellationToken)).SingleOrDefault();
        return usage is null
            ? new AgentUsage(agentId, 0, 0, 0, 0, 0, null, null)
            : new AgentUsage(agentId, usage.Runs, usage.LlmCalls, usage.Errors, usage.InputTokens, usage.OutputTokens,
                DurationHistogram.Quantile(usage.RunDurations, 0.5), DurationHistogram.Quantile(usage.RunDurations, 0.95), usage.LlmErrors);
    }

    public async Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var rows = await UsageRowsAsync(from, to, agentId, cancellationToken);
        var durations = (await DurationRowsAsync(from, to, agentId, cancellationToken)).ToLookup(d => d.HourUnix);
        return [.. rows.GroupBy(r => r.HourUnix).OrderBy(g => g.Key).Select(hour =>
        {
            var buckets = durations[hour.Key].Select(d => (d.Bucket, d.Count)).ToList();
            return new HourlyUsage(DateTime.UnixEpoch.AddSeconds(hour.Key), hour.Sum(r => r.Runs), hour.Sum(r => r.Errors), hour.Sum(r => r.LlmCalls),
                hour.Sum(r => r.InputTokens), hour.Sum(r => r.OutputTokens), DurationHistogram.Quantile(buckets, 0.5), DurationHistogram.Quantile(buckets, 0.95));
        })];
    }

    public Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken) =>
        UsageAsync(from, to, null, cancellationToken);

    public async Task<IReadOnlyList<Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        [.. (await UsageRowsAsync(from, to, agentId, cancellationToken)).Where(r => r.LlmCalls > 0).OrderBy(r => r.HourUnix).ThenBy(r => r.Model, StringComparer.Ordinal)
            .Select(r => new Pricing.ModelUsage(DateTime.UnixEpoch.AddSeconds(r.HourUnix), r.Model, r.LlmCalls, r.InputTokens, r.OutputTokens, r.CachedInputTokens, 0))];

    public async Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) =>
        traceIds.Count == 0 ? [] : [.. (await _client.QueryAsync(_sql.RunModelUsage(traceIds), cancellationToken)).Select(ClickHouseTelemetryStore.ReadRunModelUsage)];

    public async Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) =>
        [.. (await _client.QueryAsync(_sql.TopErrors(agentId, from, to, limit), cancellationToken)).Select(ClickHouseTelemetryStore.ReadErrorGroup)];

    public async Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken) =>
        [.. (await _client.QueryAsync(_sql.UsageByUser(from, to, projectId), cancellationToken)).Select(ClickHouseTelemetryStore.ReadUserUsage)];

    public void Dispose() => _client.Dispose();

    private async Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, string? traceId, CancellationToken cancellationToken)
    {
        var total = (await _client.QueryAsync(_sql.Runs(request, count: true, traceId), cancellationToken))[0].GetProperty("total").GetInt64();
        var rows = await _client.QueryAsync(_sql.Runs(request, count: false, traceId), cancellationToken);
        var totals = rows.Count == 0 ? [] : (await _client.QueryAsync(_sql.RunTotals([.. rows.Select(r => r.GetProperty("TraceId").GetString()!)]), cancellationToken))
            .ToDictionary(r => r.GetProperty("TraceId").GetString()!);
        var runs = rows.Select(r =>
        {
            var id = r.GetProperty("TraceId").GetString()!;
            var start = r.GetProperty("start_unix_nano").GetInt64();
            var failed = r.GetProperty("is_error").GetInt32() != 0;
            var sums = totals.GetValueOrDefault(id);
            return new RunRecord
            {
                TraceId = id,
                SpanId = r.GetProperty("SpanId").GetString()!,
                AgentId = r.GetProperty("agent_id").GetString()!,
                ProjectId = NullIfEmpty(r.GetProperty("project_id").GetString()) ?? Agent.DefaultProject,
                StartedUnixNano = start,
                EndedUnixNano = start + r.GetProperty("duration_nanos").GetInt64(),
                Status = failed ? RunStatus.Error : RunStatus.Ok,
                Error = failed ? NullIfEmpty(r.GetProperty("StatusMessage").GetString()) ?? ErrorGroup.NoMessage : null,
                Input = NullIfEmpty(r.GetProperty("input").GetString()),
                Output = NullIfEmpty(r.GetProperty("output").GetString()),
                LlmCalls = sums.ValueKind == JsonValueKind.Object ? sums.GetProperty("llm_calls").GetInt64() : 0,
                InputTokens = sums.ValueKind == JsonValueKind.Object ? sums.GetProperty("input_tokens").GetInt64() : 0,
                OutputTokens = sums.ValueKind == JsonValueKind.Object ? sums.GetProperty("output_tokens").GetInt64() : 0,
            };
        }).ToList();
        return new PagedResult<RunRecord>(runs, (int)total, request.Page, request.PageSize);
    }

    private async Task<IReadOnlyList<AgentPeriodUsage>> UsageAsync(DateTime from, DateTime to, string? agentId, CancellationToken cancellationToken)
    {
        var rows = await UsageRowsAsync(from, to, agentId, cancellationToken);
        var durations = await DurationRowsAsync(from, to, agentId, cancellationToken);
        return UsageAggregation.ByAgent(rows, durations.GroupBy(d => (d.AgentId, d.Bucket)).Select(g => (g.Key.AgentId, g.Key.Bucket, g.Sum(d => d.Count))));
    }

    private async Task<List<UsageAggregation.UsageRow>> UsageRowsAsync(DateTime from, DateTime to, string? agentId, CancellationToken cancellationToken) =>
        [.. (await _client.QueryAsync(_sql.UsageRows(from, to, agentId), cancellationToken)).Select(r => new UsageAggregation.UsageRow(
            r.GetProperty("agent_id").GetString()!, r.GetProperty("hour_unix").GetInt64(), r.GetProperty("model").GetString()!,
            r.GetProperty("runs").GetInt64(), r.GetProperty("run_errors").GetInt64(), r.GetProperty("llm_calls").GetInt64(),
            r.GetProperty("input_tokens").GetInt64(), r.GetProperty("output_tokens").GetInt64(), r.GetProperty("cached_input_tokens").GetInt64(), 0,
            r.GetProperty("llm_errors").GetInt64()))];

    private async Task<List<(string AgentId, long HourUnix, int Bucket, long Count)>> DurationRowsAsync(DateTime from, DateTime to, string? agentId, CancellationToken cancellationToken) =>
        [.. (await _client.QueryAsync(_sql.RunDurations(from, to, agentId), cancellationToken)).Select(r => (
            r.GetProperty("agent_id").GetString()!, r.GetProperty("hour_unix").GetInt64(), r.GetProperty("bucket").GetInt32(), r.GetProperty("count").GetInt64()))];

    /// <summary>One row of the Collector's table as a span; the GenAI fields are read from its attribute map.</summary>
    internal static SpanRecord ReadSpan(JsonElement row)
    {
        var attributes = ReadMap(row.GetProperty("SpanAttributes"));
        string? Attribute(params string[] keys) => keys.Select(k => attributes.GetValueOrDefault(k)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        long? Tokens(params string[] keys) => long.TryParse(Attribute(keys), out var value) ? value : null;
        var status = row.GetProperty("StatusCode").GetString() ?? "";
        var kind = (row.GetProperty("SpanKind").GetString() ?? "").Replace("SPAN_KIND_", "", StringComparison.Ordinal);
        var span = new SpanRecord
        {
            TraceId = row.GetProperty("TraceId").GetString()!,
            SpanId = row.GetProperty("SpanId").GetString()!,
            ParentSpanId = NullIfEmpty(row.GetProperty("ParentSpanId").GetString()),
            Name = row.GetProperty("SpanName").GetString()!,
            Kind = Enum.TryParse<SpanKindCode>(kind, ignoreCase: true, out var code) ? code : SpanKindCode.Internal,
            ServiceName = NullIfEmpty(row.GetProperty("ServiceName").GetString()),
            AgentId = Attribute(GenAiAttributes.AgentId),
            StartTimeUnixNano = row.GetProperty("start_unix_nano").GetInt64(),
            DurationNanos = row.GetProperty("duration_nanos").GetInt64(),
            Status = status is "Error" or "STATUS_CODE_ERROR" ? SpanStatusCode.Error : status is "Ok" or "STATUS_CODE_OK" ? SpanStatusCode.Ok : SpanStatusCode.Unset,
            StatusMessage = NullIfEmpty(row.GetProperty("StatusMessage").GetString()),
            Operation = Attribute(GenAiAttributes.Operation) ?? GenAiAttributes.DialectOperation(key => attributes.GetValueOrDefault(key)),
            Provider = Attribute(GenAiAttributes.Provider) ?? GenAiAttributes.VercelProvider(attributes.GetValueOrDefault("ai.model.provider")),
            RequestModel = Attribute(GenAiAttributes.RequestModels),
            ResponseModel = Attribute(GenAiAttributes.ResponseModels),
            InputTokens = Tokens(GenAiAttributes.InputTokens),
            OutputTokens = Tokens(GenAiAttributes.OutputTokens),
            CachedInputTokens = Tokens(GenAiAttributes.CachedInputTokens),
            Attributes = [.. attributes.OrderBy(a => a.Key, StringComparer.Ordinal)],
            ResourceAttributes = [.. ReadMap(row.GetProperty("ResourceAttributes")).OrderBy(a => a.Key, StringComparer.Ordinal)],
        };
        // A run as CollectorTracesSql.IsRun decides it: a root span naming an agent that is not itself an LLM call.
        span.IsRunRoot = span.ParentSpanId is null && span.AgentId is not null && !span.IsLlmCall;
        return span;
    }

    private static Dictionary<string, string> ReadMap(JsonElement map) =>
        map.ValueKind == JsonValueKind.Object ? map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal) : [];

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
