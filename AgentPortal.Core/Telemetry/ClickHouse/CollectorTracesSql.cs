using static AgentPortal.Core.Telemetry.ClickHouse.ClickHouseSql;

namespace AgentPortal.Core.Telemetry.ClickHouse;

/// <summary>
/// The queries of Collector mode, over the table the OpenTelemetry Collector's ClickHouse exporter
/// writes: Timestamp DateTime64(9), TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
/// Duration (ns), StatusCode ("Error", or "STATUS_CODE_ERROR" in older exporters), StatusMessage and
/// the Map(String, String) columns SpanAttributes and ResourceAttributes. Every value goes through
/// <see cref="ClickHouseSql"/>; the table name is checked as an identifier. A run is a root span
/// (no parent) that names an agent and is not an LLM call; an LLM call is a span with a GenAI model.
/// </summary>
public sealed class CollectorTracesSql(string table)
{
    private readonly string _table = Identifier(table);

    /// <summary>The agent a span names, in the same order OTLP ingestion reads it (<see cref="GenAiAttributes.AgentId"/>).</summary>
    public static readonly string Agent = FirstOf(GenAiAttributes.AgentId);

    public static readonly string Model = FirstOf([.. GenAiAttributes.ResponseModels, .. GenAiAttributes.RequestModels]);

    public static readonly string InputTokens = $"toInt64OrZero({FirstOf(GenAiAttributes.InputTokens)})";

    public static readonly string OutputTokens = $"toInt64OrZero({FirstOf(GenAiAttributes.OutputTokens)})";

    public static readonly string CachedTokens = $"toInt64OrZero({FirstOf(GenAiAttributes.CachedInputTokens)})";

    public const string IsError = "StatusCode IN ('Error', 'STATUS_CODE_ERROR')";

    public const string IsRoot = "ParentSpanId = ''";

    /// <summary>
    /// A root span that is not itself an LLM call, as the native stores decide a run: an LLM call with
    /// no parent stays a call (the queries also need the span to name an agent).
    /// </summary>
    public static readonly string IsRun =
        $"({IsRoot} AND NOT (SpanAttributes['{GenAiAttributes.Operation}'] IN ({string.Join(", ", SpanRecord.LlmOperations.Select(o => $"'{o}'"))}) OR (SpanAttributes['{GenAiAttributes.Operation}'] = '' AND {Model} != '')))";

    /// <summary>The histogram bucket of a run's duration, as <see cref="DurationHistogram.BucketOf"/> computes it.</summary>
    public static readonly string Bucket = $"if(Duration < 1000000, 0, least({DurationHistogram.MaxBucket}, toInt32(floor(log(Duration / 1000000.0) / log(1.1))) + 1))";

    public string Table => _table;

    /// <summary>Rows and bytes of the Collector's table, from the server's part list.</summary>
    public string TableSize(string database) =>
        $"SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE database = {ClickHouseSql.String(database)} AND table = {ClickHouseSql.String(_table)} AND active";

    /// <summary>The oldest and newest span in Unix nanoseconds (0 and 0 when the table is empty).</summary>
    public string SpanRange() =>
        $"SELECT count() AS spans, toInt64(toUnixTimestamp64Nano(min(Timestamp))) AS oldest, toInt64(toUnixTimestamp64Nano(max(Timestamp))) AS newest FROM {_table}";

    /// <summary>Hourly usage rows in the shape of the native rollups (runs in the model '' row), optionally for one agent.</summary>
    public string UsageRows(DateTime from, DateTime to, string? agentId) => $"""
        SELECT agent_id, toInt64(toUnixTimestamp(toStartOfHour(Timestamp))) AS hour_unix, model,
               countIf(is_root) AS runs, countIf(is_root AND is_error) AS run_errors, countIf(model != '') AS llm_calls,
               countIf(model != '' AND is_error) AS llm_errors, sumIf(input_tokens, model != '') AS input_tokens, sumIf(output_tokens, model != '') AS output_tokens,
               sumIf(cached_tokens, model != '') AS cached_input_tokens
        FROM (SELECT Timestamp, {Agent} AS agent_id, if({IsRun}, '', {Model}) AS model, {IsRun} AS is_root, {IsError} AS is_error,
                     {InputTokens} AS input_tokens, {OutputTokens} AS output_tokens, {CachedTokens} AS cached_tokens
              FROM {_table} WHERE {Range(from, to)})
        WHERE {AgentFilter(agentId)}
        GROUP BY agent_id, hour_unix, model
        """;

    /// <summary>LLM calls per caller (user.id), hour and model; a project's only when given (the resource's agentportal.project_id, as runs read it).</summary>
    public string UsageByUser(DateTime from, DateTime to, string? projectId) => $"""
        SELECT SpanAttributes['user.id'] AS caller, toInt64(toUnixTimestamp(toStartOfHour(Timestamp))) AS hour, {Model} AS model,
               count() AS calls, sum({InputTokens}) AS input, sum({OutputTokens}) AS output, sum({CachedTokens}) AS cached
        FROM {_table}
        WHERE {Range(from, to)} AND NOT ({IsRun}) AND {Model} != ''{(projectId is null ? "" : $" AND ResourceAttributes['agentportal.project_id'] = {ClickHouseSql.String(projectId)}")}
        GROUP BY caller, hour, model
        """;

    /// <summary>Run durations per agent, hour and histogram bucket.</summary>
    public string RunDurations(DateTime from, DateTime to, string? agentId) => $"""
        SELECT agent_id, toInt64(toUnixTimestamp(toStartOfHour(Timestamp))) AS hour_unix, bucket, count() AS count
        FROM (SELECT Timestamp, {Agent} AS agent_id, {Bucket} AS bucket FROM {_table} WHERE {Range(from, to)} AND {IsRun})
        WHERE {AgentFilter(agentId)}
        GROUP BY agent_id, hour_unix, bucket
        """;

    public string Trace(string traceId) => $"""
        SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, toInt64(toUnixTimestamp64Nano(Timestamp)) AS start_unix_nano,
               toInt64(Duration) AS duration_nanos, StatusCode, StatusMessage, SpanAttributes, ResourceAttributes
        FROM {_table} WHERE TraceId = {String(traceId)} ORDER BY Timestamp, SpanId
        """;

    /// <summary>Runs (root spans naming an agent), newest first, with their LLM calls and tokens.</summary>
    public string Runs(ListRunsRequest request, bool count, string? traceId = null)
    {
        var where = new List<string> { IsRun, $"{Agent} != ''" };
        if (traceId is not null)
        {
            where.Add($"TraceId = {String(traceId)}");
        }
        if (request.AgentId is not null)
        {
            where.Add($"{Agent} = {String(request.AgentId)}");
        }
        if (request.From is { } from)
        {
            where.Add($"Timestamp >= {Time(from)}");
        }
        if (request.To is { } to)
        {
            where.Add($"Timestamp < {Time(to)}");
        }
        if (request.Status is { } status)
        {
            where.Add(status == RunStatus.Error ? IsError : $"NOT ({IsError})");
        }
        if (!string.IsNullOrWhiteSpace(request.Text))
        {
            var text = String(request.Text.Trim().ToLowerInvariant());
            where.Add($"(position(lower(SpanAttributes['{RunSpans.InputAttribute}']), {text}) > 0 OR position(lower(SpanAttributes['{RunSpans.OutputAttribute}']), {text}) > 0 OR position(lower(StatusMessage), {text}) > 0)");
        }
        if (!string.IsNullOrWhiteSpace(request.Model))
        {
            var model = String(request.Model.Trim());
            where.Add($"TraceId IN (SELECT TraceId FROM {_table} WHERE SpanAttributes['{GenAiAttributes.RequestModel}'] = {model} OR SpanAttributes['{GenAiAttributes.ResponseModel}'] = {model})");
        }
        if (!string.IsNullOrWhiteSpace(request.SpanName))
        {
            var name = String(request.SpanName.Trim().ToLowerInvariant());
            where.Add($"TraceId IN (SELECT TraceId FROM {_table} WHERE position(lower(SpanName), {name}) > 0)");
        }
        if (!string.IsNullOrWhiteSpace(request.Session))
        {
            where.Add(AttributeMatch(GenAiAttributes.SessionIds, String(request.Session.Trim())));
        }
        if (!string.IsNullOrWhiteSpace(request.User))
        {
            where.Add(AttributeMatch(GenAiAttributes.UserIds, String(request.User.Trim())));
        }
        var filter = string.Join(" AND ", where);
        if (count)
        {
            return $"SELECT count() AS total FROM {_table} WHERE {filter}";
        }
        return $"""
            SELECT TraceId, SpanId, {Agent} AS agent_id, toInt64(toUnixTimestamp64Nano(Timestamp)) AS start_unix_nano, toInt64(Duration) AS duration_nanos,
                   {IsError} AS is_error, StatusMessage, SpanAttributes['{RunSpans.InputAttribute}'] AS input, SpanAttributes['{RunSpans.OutputAttribute}'] AS output,
                   ResourceAttributes['agentportal.project_id'] AS project_id
            FROM {_table} WHERE {filter}
            ORDER BY Timestamp DESC, TraceId LIMIT {Int(request.PageSize)} OFFSET {Int((long)(request.Page - 1) * request.PageSize)}
            """;
    }

    /// <summary>LLM calls and tokens of the given traces.</summary>
    public string RunTotals(IReadOnlyCollection<string> traceIds) => $"""
        SELECT TraceId, countIf(NOT {IsRun} AND {Model} != '') AS llm_calls, sumIf({InputTokens}, NOT {IsRun} AND {Model} != '') AS input_tokens,
               sumIf({OutputTokens}, NOT {IsRun} AND {Model} != '') AS output_tokens
        FROM {_table} WHERE TraceId IN {StringList(traceIds)} GROUP BY TraceId
        """;

    /// <summary>LLM calls and tokens of the given traces per trace, hour and model, for pricing runs.</summary>
    public string RunModelUsage(IReadOnlyCollection<string> traceIds) => $"""
        SELECT TraceId AS trace_id, toInt64(toUnixTimestamp(toStartOfHour(Timestamp))) AS hour_unix, {Model} AS model, count() AS calls,
               sum({InputTokens}) AS input, sum({OutputTokens}) AS output, sum({CachedTokens}) AS cached
        FROM {_table} WHERE TraceId IN {StringList(traceIds)} AND NOT ({IsRun}) AND {Model} != ''
        GROUP BY trace_id, hour_unix, model ORDER BY trace_id, hour_unix, model
        """;

    public string TopErrors(string agentId, DateTime from, DateTime to, int limit) => $"""
        SELECT SpanName AS name, StatusMessage AS message, max({IsRun}) AS run_root, count() AS occurrences,
               max(toInt64(toUnixTimestamp64Nano(Timestamp))) AS last_seen, argMax(TraceId, Timestamp) AS latest_trace_id
        FROM {_table}
        WHERE {Range(from, to)} AND {IsError} AND {Agent} = {String(agentId)}
        GROUP BY name, message ORDER BY occurrences DESC, last_seen DESC LIMIT {Int(limit)}
        """;

    private string AttributeMatch(IEnumerable<string> attributes, string value) =>
        $"TraceId IN (SELECT TraceId FROM {_table} WHERE " + string.Join(" OR ", attributes.Select(a => $"SpanAttributes[{String(a)}] = {value}")) + ")";

    public string Ping() => $"SELECT count() AS spans FROM {_table} WHERE 0";

    /// <summary>The first non-empty of these span attributes: if(a != '', a, if(b != '', b, c)).</summary>
    private static string FirstOf(IReadOnlyList<string> keys) => keys.Count == 1
        ? $"SpanAttributes[{String(keys[0])}]"
        : $"if(SpanAttributes[{String(keys[0])}] != '', SpanAttributes[{String(keys[0])}], {FirstOf([.. keys.Skip(1)])})";

    private static string Range(DateTime from, DateTime to) => $"Timestamp >= {Time(from)} AND Timestamp < {Time(to)}";

    private static string AgentFilter(string? agentId) => agentId is null ? "agent_id != ''" : $"agent_id = {String(agentId)}";

    /// <summary>A UTC instant as a DateTime64(9) literal, from integer nanoseconds (no time zone or text parsing involved).</summary>
    private static string Time(DateTime utc) => $"fromUnixTimestamp64Nano(toInt64({Int(AgentRunService.ToUnixNano(utc.ToUniversalTime()))}))";
}
