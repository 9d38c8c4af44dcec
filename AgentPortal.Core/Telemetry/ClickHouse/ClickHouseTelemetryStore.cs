using System.Text;
using System.Text.Json;
using AgentPortal.Core.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry.Retention;
using static AgentPortal.Core.Telemetry.ClickHouse.ClickHouseSql;

namespace AgentPortal.Core.Telemetry.ClickHouse;

/// <summary>
/// Telemetry at scale on ClickHouse, over its HTTP interface, with DDL that works on Debian's
/// 18.16 server (no Map, DateTime64, TTL or query parameters). Runs are versioned rows in a
/// ReplacingMergeTree read with FINAL; rollups are SummingMergeTree tables summed at read time.
/// ClickHouse has no transactions: a batch's rows are inserted table by table, spans first, so a
/// failure part-way leaves spans without their rollup rather than rollups without spans.
/// <para>
/// A retried export must not be counted twice, so each batch first asks which of its spans are
/// stored. The spans table is ordered by trace id for trace lookups, where a batch of random ids
/// would read every part; the check reads <c>span_keys</c> instead, ordered by start time. An
/// exporter's retry repeats each span exactly, start time included, so the check reads only the
/// parts around the batch's start times and costs the same however large the store grows. The
/// batch's keys travel as external data, not as literals the server would parse one by one.
/// </para>
/// </summary>
public sealed class ClickHouseTelemetryStore : ITelemetryStore, IDisposable
{
    private readonly ClickHouseClient _client;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    // Row versions for the replacing tables: seeded from the clock so they keep rising across restarts.
    private long _version;

    public ClickHouseTelemetryStore(ClickHouseOptions options, TimeProvider? time = null)
    {
        _client = new ClickHouseClient(options);
        _version = (time ?? TimeProvider.System).GetUtcNow().UtcTicks;
    }

    public string Name => "telemetry-clickhouse";

    // Each table's columns, once: for its CREATE TABLE and for the rows inserted into it.
    private const string SpanColumns = """
        trace_id String, span_id String, parent_span_id Nullable(String), name String, kind UInt8,
        service_name Nullable(String), agent_id Nullable(String), project_id Nullable(String),
        start_unix_nano Int64, duration_nanos Int64, status UInt8, status_message Nullable(String),
        operation Nullable(String), provider Nullable(String), request_model Nullable(String), response_model Nullable(String),
        input_tokens Nullable(Int64), output_tokens Nullable(Int64), cached_input_tokens Nullable(Int64), is_run_root UInt8,
        attributes String, resource_attributes String, events String, start_date Date, links String
        """;

    private const string SpanKeyColumns = "start_unix_nano Int64, trace_id String, span_id String, start_date Date";

    private const string RunIndexColumns = "agent_id String, started_unix_nano Int64, trace_id String, started_date Date";

    private const string SpanErrorColumns = """
        agent_id String, start_unix_nano Int64, trace_id String, span_id String, name String, status_message String, is_run_root UInt8, start_date Date
        """;

    private const string RunColumns = """
        trace_id String, span_id String, agent_id String, project_id String, agent_name String,
        started_unix_nano Int64, ended_unix_nano Nullable(Int64), status UInt8, error Nullable(String),
        input Nullable(String), output Nullable(String), metadata Nullable(String),
        llm_calls Int64, input_tokens Int64, output_tokens Int64, version UInt64, started_date Date
        """;

    private const string UsageColumns = """
        agent_id String, hour_unix Int64, model String, runs Int64, run_errors Int64, llm_calls Int64, llm_errors Int64,
        input_tokens Int64, output_tokens Int64, cached_input_tokens Int64, reported_cost Float64, hour_date Date
        """;

    private const string DurationColumns = "agent_id String, hour_unix Int64, bucket Int32, count Int64, hour_date Date";

    public static IReadOnlyList<string> Schema { get; } =
    [
        $"CREATE TABLE IF NOT EXISTS spans ({SpanColumns}) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(start_date) ORDER BY (trace_id, span_id)",
        $"CREATE TABLE IF NOT EXISTS span_keys ({SpanKeyColumns}) ENGINE = MergeTree() PARTITION BY toYYYYMM(start_date) ORDER BY (start_unix_nano, trace_id, span_id)",
        $"CREATE TABLE IF NOT EXISTS run_index ({RunIndexColumns}) ENGINE = MergeTree() PARTITION BY toYYYYMM(started_date) ORDER BY (agent_id, started_unix_nano, trace_id)",
        $"CREATE TABLE IF NOT EXISTS span_errors ({SpanErrorColumns}) ENGINE = MergeTree() PARTITION BY toYYYYMM(start_date) ORDER BY (agent_id, start_unix_nano)",
        $"CREATE TABLE IF NOT EXISTS runs ({RunColumns}) ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(started_date) ORDER BY trace_id",
        $"CREATE TABLE IF NOT EXISTS usage_hourly ({UsageColumns}) ENGINE = SummingMergeTree() PARTITION BY toYYYYMM(hour_date) ORDER BY (agent_id, hour_unix, model)",
        $"CREATE TABLE IF NOT EXISTS run_duration_hourly ({DurationColumns}) ENGINE = SummingMergeTree() PARTITION BY toYYYYMM(hour_date) ORDER BY (agent_id, hour_unix, bucket)",
    ];

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _client.ExecuteWithoutDatabaseAsync($"CREATE DATABASE IF NOT EXISTS {_client.Database}", cancellationToken);
        var hadKeys = await TableExistsAsync("span_keys", cancellationToken);
        var hadRunIndex = await TableExistsAsync("run_index", cancellationToken);
        var hadSpanErrors = await TableExistsAsync("span_errors", cancellationToken);
        foreach (var statement in Schema)
        {
            await _client.ExecuteAsync(statement, cancellationToken);
        }
        if (!await ColumnExistsAsync("spans", "links", cancellationToken))
        {
            // A store from before span links were kept: older spans read as having none.
            await _client.ExecuteAsync("ALTER TABLE spans ADD COLUMN links String DEFAULT ''", cancellationToken);
        }
        if (!hadKeys)
        {
            // A store from before span_keys existed: index the spans it already holds, once.
            await _client.ExecuteAsync("INSERT INTO span_keys SELECT start_unix_nano, trace_id, span_id, start_date FROM spans", cancellationToken);
        }
        // A store from before the runs list and top errors had their own ordered tables: fill them once.
        if (!hadRunIndex)
        {
            await _client.ExecuteAsync(
                "INSERT INTO run_index SELECT agent_id, min(started_unix_nano), trace_id, min(started_date) FROM runs GROUP BY agent_id, trace_id", cancellationToken);
        }
        if (!hadSpanErrors)
        {
            await _client.ExecuteAsync($"""
                INSERT INTO span_errors SELECT assumeNotNull(agent_id), start_unix_nano, trace_id, span_id, name, ifNull(status_message, ''), is_run_root, start_date
                FROM spans WHERE status = {Int((int)SpanStatusCode.Error)} AND agent_id IS NOT NULL
                """, cancellationToken);
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken) => await _client.QueryAsync("SELECT 1 AS ok", cancellationToken);

    public async Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var batch = new Batch(this);
            await batch.LoadAsync(writes, cancellationToken);
            var outcomes = writes.Select(batch.Apply).ToList();
            await batch.SaveAsync(cancellationToken);
            return outcomes;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) =>
        (await LoadRunsAsync([traceId], cancellationToken)).TryGetValue(traceId, out var found) ? found.Run : null;

    public async Task<IReadOnlyList<RunRecord>> GetRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) =>
        [.. (await LoadRunsAsync(traceIds, cancellationToken)).Values.Select(r => r.Run)];

    public async Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken)
    {
        var rows = await _client.QueryAsync($"SELECT * FROM spans FINAL WHERE trace_id = {String(traceId)} ORDER BY start_unix_nano, span_id", cancellationToken);
        return [.. rows.Select(ReadSpan)];
    }

    /// <summary>
    /// Runs newest first. <c>runs</c> is ordered by trace id for lookups, and FINAL over it reads and
    /// merges every row, so the list is found in <c>run_index</c> (agent, start time, trace id: facts a
    /// run never changes), filtered there by agent and period through its key. Filters on what a run's
    /// later versions change (status, output, error) take each candidate's latest version with
    /// <c>argMax(…, version)</c>; only the page's rows are then read whole.
    /// </summary>
    public async Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken)
    {
        var index = new StringBuilder("WHERE 1 = 1");
        if (request.AgentId is not null)
        {
            index.Append(" AND agent_id = ").Append(String(request.AgentId));
        }
        if (request.From is { } from)
        {
            index.Append(" AND started_unix_nano >= ").Append(Int(AgentRunService.ToUnixNano(from.ToUniversalTime())));
        }
        if (request.To is { } to)
        {
            index.Append(" AND started_unix_nano < ").Append(Int(AgentRunService.ToUnixNano(to.ToUniversalTime())));
        }
        // Conditions on what a run keeps from its start (agent name, metadata), and on its spans.
        var where = new List<string>();
        // Conditions on its latest version.
        var having = new List<string>();
        if (request.Status is { } status)
        {
            having.Add($"argMax(status, version) = {Int((int)status)}");
        }
        if (!string.IsNullOrWhiteSpace(request.Text))
        {
            var text = String(request.Text.Trim().ToLowerInvariant());
            having.Add(string.Join(" OR ", new[] { "input", "output", "error" }.Select(c => $"position(lower(ifNull(argMax({c}, version), '')), {text}) > 0")));
        }
        if (!string.IsNullOrWhiteSpace(request.Model))
        {
            var model = String(request.Model.Trim());
            where.Add($"trace_id IN (SELECT trace_id FROM spans WHERE request_model = {model} OR response_model = {model})");
        }
        if (!string.IsNullOrWhiteSpace(request.SpanName))
        {
            var name = String(request.SpanName.Trim().ToLowerInvariant());
            where.Add($"(position(lower(agent_name), {name}) > 0 OR trace_id IN (SELECT trace_id FROM spans WHERE position(lower(name), {name}) > 0))");
        }
        if (!string.IsNullOrWhiteSpace(request.Session))
        {
            where.Add(AttributeMatch(GenAiAttributes.SessionIds, "session_id", String(request.Session.Trim())));
        }
        if (!string.IsNullOrWhiteSpace(request.User))
        {
            where.Add(AttributeMatch(GenAiAttributes.UserIds, "user_id", String(request.User.Trim())));
        }
        var candidates = where.Count == 0 && having.Count == 0
            ? $"SELECT trace_id, max(started_unix_nano) AS started FROM run_index {index} GROUP BY trace_id"
            : $"""
              SELECT trace_id, max(started_unix_nano) AS started FROM runs
              WHERE trace_id IN (SELECT trace_id FROM run_index {index}){string.Concat(where.Select(w => $" AND ({w})"))}
              GROUP BY trace_id{(having.Count == 0 ? "" : " HAVING " + string.Join(" AND ", having.Select(h => $"({h})")))}
              """;
        var total = (await _client.QueryAsync($"SELECT count() AS total FROM ({candidates})", cancellationToken))[0].GetProperty("total").GetInt64();
        var page = (await _client.QueryAsync(
            $"SELECT trace_id FROM ({candidates}) ORDER BY started DESC, trace_id LIMIT {Int(request.PageSize)} OFFSET {Int((long)(request.Page - 1) * request.PageSize)}",
            cancellationToken)).Select(r => r.GetProperty("trace_id").GetString()!).ToList();
        var runs = await LoadRunsAsync(page, cancellationToken);
        return new PagedResult<RunRecord>([.. page.Where(runs.ContainsKey).Select(t => runs[t].Run)], (int)total, request.Page, request.PageSize);
    }

    /// <summary>
    /// From <c>span_errors</c>, the failed spans ordered by agent and start time: the spans table is
    /// ordered by trace id, so this read would scan all of it. A span stored twice (a batch retried
    /// after a failure part-way) is counted once by its ids.
    /// </summary>
    public async Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken)
    {
        var rows = await _client.QueryAsync(
            $"""
            SELECT name, status_message AS message, max(is_run_root) AS run_root, uniqExact(trace_id, span_id) AS occurrences,
                   max(start_unix_nano) AS last_seen, argMax(trace_id, start_unix_nano) AS latest_trace_id
            FROM span_errors
            WHERE agent_id = {String(agentId)}
              AND start_unix_nano >= {Int(AgentRunService.ToUnixNano(from.ToUniversalTime()))} AND start_unix_nano < {Int(AgentRunService.ToUnixNano(to.ToUniversalTime()))}
            GROUP BY name, message ORDER BY occurrences DESC, last_seen DESC LIMIT {Int(limit)}
            """, cancellationToken);
        return [.. rows.Select(ReadErrorGroup)];
    }

    public async Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken)
    {
        var rows = await _client.QueryAsync(
            $"""
            SELECT visitParamExtractString(attributes, 'user.id') AS caller, intDiv(start_unix_nano, 3600000000000) * 3600 AS hour, {RunSpans.ModelSql} AS model,
                   count() AS calls, sum(ifNull(input_tokens, 0)) AS input, sum(ifNull(output_tokens, 0)) AS output, sum(ifNull(cached_input_tokens, 0)) AS cached
            FROM spans FINAL
            WHERE start_unix_nano >= {Int(AgentRunService.ToUnixNano(from.ToUniversalTime()))} AND start_unix_nano < {Int(AgentRunService.ToUnixNano(to.ToUniversalTime()))}
              AND {RunSpans.IsLlmCallSql}{(projectId is null ? "" : $" AND project_id = {String(projectId)}")}
            GROUP BY caller, hour, model
            """, cancellationToken);
        return [.. rows.Select(ReadUserUsage)];
    }

    /// <summary>A usage-by-caller row (caller, hour, model, calls, input, output, cached), as both ClickHouse modes query it.</summary>
    internal static UserModelUsage ReadUserUsage(JsonElement row) => new(row.GetProperty("caller").GetString() ?? "", new Pricing.ModelUsage(
        DateTime.UnixEpoch.AddSeconds(row.GetProperty("hour").GetInt64()), row.GetProperty("model").GetString() ?? "", row.GetProperty("calls").GetInt64(),
        row.GetProperty("input").GetInt64(), row.GetProperty("output").GetInt64(), row.GetProperty("cached").GetInt64(), 0));

    /// <summary>A top-errors row (name, message, run_root, occurrences, last_seen, latest_trace_id), as both ClickHouse modes query it.</summary>
    internal static ErrorGroup ReadErrorGroup(JsonElement row) => ErrorGroup.Of(row.GetProperty("name").GetString()!, row.GetProperty("message").GetString(),
        row.GetProperty("run_root").GetInt32() != 0, row.GetProperty("occurrences").GetInt64(), row.GetProperty("last_seen").GetInt64(), row.GetProperty("latest_trace_id").GetString()!);

    /// <summary>
    /// A run with a span whose attribute is this (escaped) value, or started with it in its metadata.
    /// visitParamExtractString reads only compact JSON ("key":value): the portal writes attributes so,
    /// and the metadata as the caller sent it, so the spaces around its colons are taken out first.
    /// </summary>
    private static string AttributeMatch(IEnumerable<string> attributes, string metadataKey, string value) =>
        $"(visitParamExtractString({CompactMetadata}, {String(metadataKey)}) = {value} OR trace_id IN (SELECT trace_id FROM spans WHERE "
        + string.Join(" OR ", attributes.Select(a => $"visitParamExtractString(attributes, {String(a)}) = {value}")) + "))";

    private const string CompactMetadata = """replaceRegexpAll(ifNull(metadata, ''), '"\\s*:\\s*', '":')""";

    public async Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var range = HourRange(agentId, from, to);
        var totals = (await _client.QueryAsync(
            $"SELECT sum(runs) AS runs, sum(run_errors) AS errors, sum(llm_calls) AS calls, sum(llm_errors) AS llm_errors, sum(input_tokens) AS input, sum(output_tokens) AS output FROM usage_hourly {range}",
            cancellationToken))[0];
        var buckets = (await _client.QueryAsync($"SELECT bucket, sum(count) AS count FROM run_duration_hourly {range} GROUP BY bucket", cancellationToken))
            .Select(r => (r.GetProperty("bucket").GetInt32(), r.GetProperty("count").GetInt64())).ToList();
        return new AgentUsage(agentId, totals.GetProperty("runs").GetInt64(), totals.GetProperty("calls").GetInt64(), totals.GetProperty("errors").GetInt64(),
            totals.GetProperty("input").GetInt64(), totals.GetProperty("output").GetInt64(),
            DurationHistogram.Quantile(buckets, 0.5), DurationHistogram.Quantile(buckets, 0.95), totals.GetProperty("llm_errors").GetInt64());
    }

    public async Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var range = HourRange(agentId, from, to);
        var rows = await _client.QueryAsync(
            $"SELECT hour_unix, sum(runs) AS runs, sum(run_errors) AS errors, sum(llm_calls) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output FROM usage_hourly {range} GROUP BY hour_unix ORDER BY hour_unix",
            cancellationToken);
        var buckets = (await _client.QueryAsync($"SELECT hour_unix, bucket, sum(count) AS count FROM run_duration_hourly {range} GROUP BY hour_unix, bucket", cancellationToken))
            .GroupBy(r => r.GetProperty("hour_unix").GetInt64())
            .ToDictionary(g => g.Key, g => g.Select(r => (r.GetProperty("bucket").GetInt32(), r.GetProperty("count").GetInt64())).ToList());
        return [.. rows.Select(r =>
        {
            var hour = r.GetProperty("hour_unix").GetInt64();
            var histogram = buckets.GetValueOrDefault(hour) ?? [];
            return new HourlyUsage(DateTime.UnixEpoch.AddSeconds(hour), r.GetProperty("runs").GetInt64(), r.GetProperty("errors").GetInt64(),
                r.GetProperty("calls").GetInt64(), r.GetProperty("input").GetInt64(), r.GetProperty("output").GetInt64(),
                DurationHistogram.Quantile(histogram, 0.5), DurationHistogram.Quantile(histogram, 0.95));
        })];
    }

    public async Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var range = HourRange(null, from, to);
        var usage = (await _client.QueryAsync(
            $"SELECT agent_id, hour_unix, model, sum(runs) AS runs, sum(run_errors) AS errors, sum(llm_calls) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cached_input_tokens) AS cached, sum(reported_cost) AS reported, sum(llm_errors) AS llm_errors FROM usage_hourly {range} GROUP BY agent_id, hour_unix, model",
            cancellationToken))
            .Select(r => new UsageAggregation.UsageRow(r.GetProperty("agent_id").GetString()!, r.GetProperty("hour_unix").GetInt64(), r.GetProperty("model").GetString()!,
                r.GetProperty("runs").GetInt64(), r.GetProperty("errors").GetInt64(), r.GetProperty("calls").GetInt64(), r.GetProperty("input").GetInt64(),
                r.GetProperty("output").GetInt64(), r.GetProperty("cached").GetInt64(), r.GetProperty("reported").GetDouble(), r.GetProperty("llm_errors").GetInt64()));
        var durations = (await _client.QueryAsync($"SELECT agent_id, bucket, sum(count) AS count FROM run_duration_hourly {range} GROUP BY agent_id, bucket", cancellationToken))
            .Select(r => (r.GetProperty("agent_id").GetString()!, r.GetProperty("bucket").GetInt32(), r.GetProperty("count").GetInt64()));
        return UsageAggregation.ByAgent(usage, durations);
    }

    public async Task<IReadOnlyList<Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var rows = await _client.QueryAsync(
            $"SELECT hour_unix, model, sum(llm_calls) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output, sum(cached_input_tokens) AS cached, sum(reported_cost) AS reported FROM usage_hourly {HourRange(agentId, from, to)} GROUP BY hour_unix, model HAVING calls > 0 ORDER BY hour_unix, model",
            cancellationToken);
        return [.. rows.Select(r => new Pricing.ModelUsage(DateTime.UnixEpoch.AddSeconds(r.GetProperty("hour_unix").GetInt64()), r.GetProperty("model").GetString()!,
            r.GetProperty("calls").GetInt64(), r.GetProperty("input").GetInt64(), r.GetProperty("output").GetInt64(), r.GetProperty("cached").GetInt64(),
            r.GetProperty("reported").GetDouble()))];
    }

    public async Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        if (traceIds.Count == 0)
        {
            return [];
        }
        var rows = await _client.QueryAsync($"""
            SELECT trace_id, intDiv(start_unix_nano, 3600000000000) * 3600 AS hour_unix, {RunSpans.ModelSql} AS model, count() AS calls,
                   sum(ifNull(input_tokens, 0)) AS input, sum(ifNull(output_tokens, 0)) AS output, sum(ifNull(cached_input_tokens, 0)) AS cached
            FROM spans FINAL WHERE trace_id IN (SELECT trace_id FROM wanted) AND {RunSpans.IsLlmCallSql}
            GROUP BY trace_id, hour_unix, model ORDER BY trace_id, hour_unix, model
            """, "wanted", TraceIdRows(traceIds), cancellationToken);
        return [.. rows.Select(ReadRunModelUsage)];
    }

    /// <summary>A per-run usage row (trace_id, hour_unix, model, calls, input, output, cached), as both ClickHouse modes query it.</summary>
    internal static RunModelUsage ReadRunModelUsage(JsonElement row) => new(row.GetProperty("trace_id").GetString()!, new Pricing.ModelUsage(
        DateTime.UnixEpoch.AddSeconds(row.GetProperty("hour_unix").GetInt64()), row.GetProperty("model").GetString()!, row.GetProperty("calls").GetInt64(),
        row.GetProperty("input").GetInt64(), row.GetProperty("output").GetInt64(), row.GetProperty("cached").GetInt64(), 0));

    public void Dispose()
    {
        _client.Dispose();
        _writeLock.Dispose();
    }

    private static string HourRange(string? agentId, DateTime from, DateTime to)
    {
        var (fromHour, toSeconds) = RunSpans.RollupRange(from, to);
        var agent = agentId is null ? "" : $"agent_id = {String(agentId)} AND ";
        return $"WHERE {agent}hour_unix >= {Int(fromHour)} AND hour_unix < {Int(toSeconds)}";
    }

    // Each retained table: its partition date column and the time column the cut-off applies to, and
    // whether that is a rollup (kept longer; its time is in Unix seconds of the hour).
    private static readonly (string Table, string TimeColumn, bool Rollup)[] s_retained =
    [
        ("spans", "start_unix_nano", false),
        ("span_keys", "start_unix_nano", false),
        ("runs", "started_unix_nano", false),
        ("run_index", "started_unix_nano", false),
        ("span_errors", "start_unix_nano", false),
        ("usage_hourly", "hour_unix", true),
        ("run_duration_hourly", "hour_unix", true),
    ];

    /// <summary>
    /// Tables are partitioned by month: a month wholly before the cut-off is dropped as a partition,
    /// which costs nothing; older rows left in the month the cut-off falls in are removed by an
    /// <c>ALTER TABLE … DELETE</c> mutation, which the server applies in the background (one at a time
    /// per table: a round that finds one still running leaves that table to the next round).
    /// </summary>
    public async Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var spanCut = AgentRunService.FromUnixNano(request.SpansBeforeUnixNano);
        var rollupCut = AgentRunService.FromUnixNano(request.RollupsBeforeUnixNano);
        var partitions = await _client.QueryAsync($"""
            SELECT table, partition, sum(rows) AS rows FROM system.parts
            WHERE database = {String(_client.Database)} AND active AND table IN {StringList(s_retained.Select(t => t.Table))}
            GROUP BY table, partition
            """, cancellationToken);
        var running = (await _client.QueryAsync(
            $"SELECT DISTINCT table FROM system.mutations WHERE database = {String(_client.Database)} AND is_done = 0", cancellationToken))
            .Select(r => r.GetProperty("table").GetString()).ToHashSet();
        var deleted = new Dictionary<string, long>();
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (table, column, rollup) in s_retained)
        {
            var cut = rollup ? rollupCut : spanCut;
            var cutoff = rollup ? request.RollupsBeforeUnixNano / 1_000_000_000 : request.SpansBeforeUnixNano;
            long count = 0;
            foreach (var part in partitions.Where(p => p.GetProperty("table").GetString() == table))
            {
                // toYYYYMM partitions are named by their month, e.g. 202611.
                if (part.GetProperty("partition").GetString() is { Length: 6 } month && int.TryParse(month, out var yyyymm)
                    && new DateTime(yyyymm / 100, yyyymm % 100, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1) <= cut)
                {
                    await _client.ExecuteAsync($"ALTER TABLE {table} DROP PARTITION {Int(yyyymm)}", cancellationToken);
                    count += part.GetProperty("rows").GetInt64();
                    methods.Add("dropped partitions");
                }
            }
            var left = (await _client.QueryAsync($"SELECT count() AS left FROM {table} WHERE {column} < {Int(cutoff)}", cancellationToken))[0].GetProperty("left").GetInt64();
            if (left > 0 && !running.Contains(table))
            {
                await _client.ExecuteAsync($"ALTER TABLE {table} DELETE WHERE {column} < {Int(cutoff)}", cancellationToken);
                count += left;
                methods.Add("delete mutations");
            }
            deleted[table] = count;
        }
        return new PurgeOutcome(deleted["spans"], deleted["runs"], deleted["usage_hourly"] + deleted["run_duration_hourly"], Done: true,
            methods.Count == 0 ? "nothing to delete" : string.Join(" and ", methods));
    }

    public async Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        var parts = (await _client.QueryAsync($"""
            SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
            WHERE database = {String(_client.Database)} AND active GROUP BY table
            """, cancellationToken)).ToDictionary(r => r.GetProperty("table").GetString()!, r => (Rows: r.GetProperty("rows").GetInt64(), Bytes: r.GetProperty("bytes").GetInt64()));
        var range = (await _client.QueryAsync("SELECT count() AS spans, min(start_unix_nano) AS oldest, max(start_unix_nano) AS newest FROM span_keys", cancellationToken))[0];
        var hasSpans = range.GetProperty("spans").GetInt64() > 0;
        var tables = s_retained.Select(t => new TableStats(t.Table, parts.GetValueOrDefault(t.Table).Rows, parts.GetValueOrDefault(t.Table).Bytes)).ToList();
        var bytes = parts.Values.Sum(p => p.Bytes);
        return new TelemetryStoreStats(Name, $"{_client.Database} on ClickHouse", bytes, bytes, tables,
            hasSpans ? AgentRunService.FromUnixNano(range.GetProperty("oldest").GetInt64()) : null,
            hasSpans ? AgentRunService.FromUnixNano(range.GetProperty("newest").GetInt64()) : null);
    }

    private const int ExportPage = 10_000;

    /// <summary>
    /// Rows in key order, a page at a time. Runs are read with FINAL (their latest version), spans too
    /// (a retried export may have stored a span twice before a merge), and rollups summed per key.
    /// </summary>
    public async IAsyncEnumerable<object?[]> ExportRowsAsync(Data.Export.TelemetryTable table, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var order = string.Join(", ", table.Key);
        var select = table.Name is "usage_hourly" or "run_duration_hourly"
            ? $"SELECT {string.Join(", ", table.Columns.Select(c => table.Key.Contains(c.Name) ? c.Name : $"sum({c.Name}) AS {c.Name}"))} FROM {table.Name} GROUP BY {order}"
            : $"SELECT {table.ColumnList} FROM {table.Name} FINAL";
        for (long offset = 0; ; offset += ExportPage)
        {
            var rows = await _client.QueryAsync($"{select} ORDER BY {order} LIMIT {Int(ExportPage)} OFFSET {Int(offset)}", cancellationToken);
            foreach (var row in rows)
            {
                yield return [.. table.Columns.Select(c => ReadValue(row.GetProperty(c.Name), c))];
            }
            if (rows.Count < ExportPage)
            {
                yield break;
            }
        }
    }

    public async Task ImportRowsAsync(Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var structure = table.Name switch
        {
            "spans" => SpanColumns,
            "runs" => RunColumns,
            "usage_hourly" => UsageColumns,
            "run_duration_hourly" => DurationColumns,
            _ => throw new ArgumentException($"'{table.Name}' is not a telemetry table.", nameof(table)),
        };
        var columns = structure.Split(',').Select(c => c.Trim().Split(' ', 2)).Select(c => (Name: c[0], Type: c[1])).ToList();
        var values = new ClickHouseRows(structure);
        // The index tables are not in a backup: they are derived here from the rows they index.
        var keys = new ClickHouseRows(SpanKeyColumns);
        var errors = new ClickHouseRows(SpanErrorColumns);
        var runIndex = new ClickHouseRows(RunIndexColumns);
        foreach (var row in rows)
        {
            foreach (var (name, type) in columns)
            {
                var index = table.IndexOf(name);
                if (index >= 0)
                {
                    WriteValue(values, row[index], table.Columns[index].Kind, type.StartsWith("Nullable", StringComparison.Ordinal));
                    continue;
                }
                // The columns ClickHouse derives: partition dates and the row version.
                switch (name)
                {
                    case "start_date": values.Date((long)row[table.IndexOf("start_unix_nano")]!); break;
                    case "started_date": values.Date((long)row[table.IndexOf("started_unix_nano")]!); break;
                    case "hour_date": values.Date((long)row[table.IndexOf("hour_unix")]! * 1_000_000_000); break;
                    case "version": values.Int(Interlocked.Increment(ref _version)); break;
                    default: throw new InvalidOperationException($"No value for the ClickHouse column {table.Name}.{name}.");
                }
            }
            values.EndRow();
            if (table.Name == "spans")
            {
                var start = (long)row[table.IndexOf("start_unix_nano")]!;
                keys.Int(start).String((string)row[0]!).String((string)row[1]!).Date(start).EndRow();
                if ((long)row[table.IndexOf("status")]! == (int)SpanStatusCode.Error && row[table.IndexOf("agent_id")] is string { Length: > 0 } agentId)
                {
                    errors.String(agentId).Int(start).String((string)row[0]!).String((string)row[1]!).String((string)row[table.IndexOf("name")]!)
                        .String((string?)row[table.IndexOf("status_message")] ?? "").Int(row[table.IndexOf("is_run_root")] is true ? 1 : 0).Date(start).EndRow();
                }
            }
            else if (table.Name == "runs")
            {
                var started = (long)row[table.IndexOf("started_unix_nano")]!;
                runIndex.String((string)row[table.IndexOf("agent_id")]!).Int(started).String((string)row[table.IndexOf("trace_id")]!).Date(started).EndRow();
            }
        }
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _client.InsertAsync(table.Name, values, cancellationToken);
            await _client.InsertAsync("span_errors", errors, cancellationToken);
            await _client.InsertAsync("span_keys", keys, cancellationToken);
            await _client.InsertAsync("run_index", runIndex, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static object? ReadValue(JsonElement value, Data.Export.TelemetryColumn column) => value.ValueKind == JsonValueKind.Null ? null : column.Kind switch
    {
        Data.Export.ColumnKind.Int => value.GetInt64(),
        Data.Export.ColumnKind.Real => value.GetDouble(),
        Data.Export.ColumnKind.Bool => value.GetInt32() != 0,
        // A text column ClickHouse keeps as '' where the embedded store keeps null reads back as null.
        _ => value.GetString() is { Length: > 0 } text || !column.Nullable ? value.GetString() : null,
    };

    private static void WriteValue(ClickHouseRows rows, object? value, Data.Export.ColumnKind kind, bool nullable)
    {
        switch (kind)
        {
            case Data.Export.ColumnKind.Int: rows.Int((long?)value); break;
            case Data.Export.ColumnKind.Real: rows.Float((double)value!); break;
            case Data.Export.ColumnKind.Bool: rows.Int((bool)value! ? 1 : 0); break;
            default: rows.String(nullable ? (string?)value : (string?)value ?? ""); break;
        }
    }

    private async Task<bool> TableExistsAsync(string table, CancellationToken cancellationToken) =>
        (await _client.QueryAsync($"SELECT count() AS found FROM system.tables WHERE database = {String(_client.Database)} AND name = {String(table)}", cancellationToken))[0]
            .GetProperty("found").GetInt64() > 0;

    private async Task<bool> ColumnExistsAsync(string table, string column, CancellationToken cancellationToken) =>
        (await _client.QueryAsync($"SELECT count() AS found FROM system.columns WHERE database = {String(_client.Database)} AND table = {String(table)} AND name = {String(column)}", cancellationToken))[0]
            .GetProperty("found").GetInt64() > 0;

    /// <summary>Trace ids as external data for <c>trace_id IN (SELECT trace_id FROM wanted)</c>.</summary>
    private static ClickHouseRows TraceIdRows(IEnumerable<string> traceIds)
    {
        var wanted = new ClickHouseRows("trace_id String");
        foreach (var traceId in traceIds.Distinct())
        {
            wanted.String(traceId).EndRow();
        }
        return wanted;
    }

    private async Task<Dictionary<string, (RunRecord Run, string AgentName)>> LoadRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (RunRecord, string)>(StringComparer.Ordinal);
        if (traceIds.Count == 0)
        {
            return result;
        }
        // Each run's latest version, as FINAL would give it, without FINAL's merge of every part it reads.
        const string Sql = "SELECT * FROM runs WHERE trace_id IN (SELECT trace_id FROM wanted) ORDER BY version DESC LIMIT 1 BY trace_id";
        foreach (var row in await _client.QueryAsync(Sql, "wanted", TraceIdRows(traceIds), cancellationToken))
        {
            var run = ReadRun(row);
            result[run.Run.TraceId] = run;
        }
        return result;
    }

    /// <summary>LLM calls and tokens already stored in each of these traces (absent when none).</summary>
    private async Task<Dictionary<string, (long Calls, long Input, long Output)>> StoredLlmCallsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (long, long, long)>(StringComparer.Ordinal);
        if (traceIds.Count == 0)
        {
            return result;
        }
        var sql = $"""
            SELECT trace_id, count() AS calls, sum(coalesce(input_tokens, 0)) AS input, sum(coalesce(output_tokens, 0)) AS output
            FROM spans FINAL WHERE trace_id IN (SELECT trace_id FROM wanted) AND {RunSpans.IsLlmCallSql} GROUP BY trace_id
            """;
        foreach (var row in await _client.QueryAsync(sql, "wanted", TraceIdRows(traceIds), cancellationToken))
        {
            result[row.GetProperty("trace_id").GetString()!] = (row.GetProperty("calls").GetInt64(), row.GetProperty("input").GetInt64(), row.GetProperty("output").GetInt64());
        }
        return result;
    }

    private async Task<HashSet<(string, string)>> ExistingSpansAsync(IReadOnlyList<SpanRecord> spans, CancellationToken cancellationToken)
    {
        var existing = new HashSet<(string, string)>();
        var batch = new ClickHouseRows("start_unix_nano Int64, trace_id String, span_id String");
        foreach (var span in spans)
        {
            batch.Int(span.StartTimeUnixNano).String(span.TraceId).String(span.SpanId).EndRow();
        }
        const string Sql = """
            SELECT trace_id, span_id FROM span_keys
            WHERE start_unix_nano IN (SELECT start_unix_nano FROM batch) AND (trace_id, span_id) IN (SELECT trace_id, span_id FROM batch)
            """;
        foreach (var row in await _client.QueryAsync(Sql, "batch", batch, cancellationToken))
        {
            existing.Add((row.GetProperty("trace_id").GetString()!, row.GetProperty("span_id").GetString()!));
        }
        return existing;
    }

    private static (RunRecord Run, string AgentName) ReadRun(JsonElement row) => (new RunRecord
    {
        TraceId = row.GetProperty("trace_id").GetString()!,
        SpanId = row.GetProperty("span_id").GetString()!,
        AgentId = row.GetProperty("agent_id").GetString()!,
        ProjectId = row.GetProperty("project_id").GetString()!,
        StartedUnixNano = row.GetProperty("started_unix_nano").GetInt64(),
        EndedUnixNano = NullableLong(row, "ended_unix_nano"),
        Status = (RunStatus)row.GetProperty("status").GetInt32(),
        Error = NullableString(row, "error"),
        Input = NullableString(row, "input"),
        Output = NullableString(row, "output"),
        Metadata = NullableString(row, "metadata"),
        LlmCalls = row.GetProperty("llm_calls").GetInt64(),
        InputTokens = row.GetProperty("input_tokens").GetInt64(),
        OutputTokens = row.GetProperty("output_tokens").GetInt64(),
    }, row.GetProperty("agent_name").GetString()!);

    private static SpanRecord ReadSpan(JsonElement row) => new()
    {
        TraceId = row.GetProperty("trace_id").GetString()!,
        SpanId = row.GetProperty("span_id").GetString()!,
        ParentSpanId = NullableString(row, "parent_span_id"),
        Name = row.GetProperty("name").GetString()!,
        Kind = (SpanKindCode)row.GetProperty("kind").GetInt32(),
        ServiceName = NullableString(row, "service_name"),
        AgentId = NullableString(row, "agent_id"),
        ProjectId = NullableString(row, "project_id"),
        StartTimeUnixNano = row.GetProperty("start_unix_nano").GetInt64(),
        DurationNanos = row.GetProperty("duration_nanos").GetInt64(),
        Status = (SpanStatusCode)row.GetProperty("status").GetInt32(),
        StatusMessage = NullableString(row, "status_message"),
        Operation = NullableString(row, "operation"),
        Provider = NullableString(row, "provider"),
        RequestModel = NullableString(row, "request_model"),
        ResponseModel = NullableString(row, "response_model"),
        InputTokens = NullableLong(row, "input_tokens"),
        OutputTokens = NullableLong(row, "output_tokens"),
        CachedInputTokens = NullableLong(row, "cached_input_tokens"),
        IsRunRoot = row.GetProperty("is_run_root").GetInt32() == 1,
        Attributes = SpanJson.ReadAttributes(NullableString(row, "attributes")),
        ResourceAttributes = SpanJson.ReadAttributes(NullableString(row, "resource_attributes")),
        Events = SpanJson.ReadEvents(NullableString(row, "events")),
        Links = SpanJson.ReadLinks(NullableString(row, "links")),
    };

    private static string? NullableString(JsonElement row, string name) =>
        row.GetProperty(name) is { ValueKind: JsonValueKind.String } value && value.GetString() is { Length: > 0 } text ? text : null;

    private static long? NullableLong(JsonElement row, string name) =>
        row.GetProperty(name) is { ValueKind: JsonValueKind.Number } value ? value.GetInt64() : null;

    /// <summary>One batch: state read up front, the writes applied in memory in order, then the rows inserted.</summary>
    private sealed class Batch(ClickHouseTelemetryStore store)
    {
        private readonly RollupAccumulator _rollup = new();
        private readonly List<SpanRecord> _newSpans = [];
        private readonly Dictionary<string, (RunRecord Run, string AgentName)> _changedRuns = new(StringComparer.Ordinal);
        private readonly HashSet<string> _createdRuns = new(StringComparer.Ordinal);
        private Dictionary<string, (RunRecord Run, string AgentName)> _runs = [];
        private HashSet<(string, string)> _existingSpans = [];
        private Dictionary<string, (long Calls, long Input, long Output)> _storedCalls = [];

        // Traces of this batch's observed runs, and their LLM calls the batch added before the run, so
        // the run counts them without scanning every new span; other calls are not tracked.
        private HashSet<string> _observedTraces = [];
        private readonly Dictionary<string, (long Calls, long Input, long Output)> _unownedCalls = new(StringComparer.Ordinal);

        public async Task LoadAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
        {
            var traceIds = new HashSet<string>(StringComparer.Ordinal);
            var observed = new HashSet<string>(StringComparer.Ordinal);
            var spans = new List<SpanRecord>();
            foreach (var write in writes)
            {
                switch (write)
                {
                    case TelemetryWrite.StartRun start: traceIds.Add(start.Run.TraceId); break;
                    case TelemetryWrite.EndRun end: traceIds.Add(end.End.TraceId); break;
                    case TelemetryWrite.AppendSpans append:
                        spans.AddRange(append.Spans);
                        traceIds.UnionWith(append.Spans.Where(s => s.IsLlmCall).Select(s => s.TraceId));
                        observed.UnionWith(append.Runs?.Select(r => r.Run.TraceId) ?? []);
                        break;
                    case TelemetryWrite.CloseTimedOutRuns close:
                        var rows = await store._client.QueryAsync(
                            $"SELECT trace_id FROM runs FINAL WHERE status = 0 AND started_unix_nano < {Int(close.StartedBeforeUnixNano)} LIMIT 10000", cancellationToken);
                        traceIds.UnionWith(rows.Select(r => r.GetProperty("trace_id").GetString()!));
                        break;
                }
            }
            traceIds.UnionWith(observed);
            _runs = await store.LoadRunsAsync(traceIds, cancellationToken);
            _existingSpans = spans.Count == 0 ? [] : await store.ExistingSpansAsync(spans, cancellationToken);
            observed.ExceptWith(_runs.Keys);
            _storedCalls = await store.StoredLlmCallsAsync(observed, cancellationToken);
            _observedTraces = observed;
        }

        public WriteOutcome Apply(TelemetryWrite write) => write switch
        {
            TelemetryWrite.StartRun start => Start(start.Run),
            TelemetryWrite.EndRun end => End(end.End),
            TelemetryWrite.AppendSpans append => Append(append.Spans, append.Runs),
            TelemetryWrite.CloseTimedOutRuns close => CloseTimedOut(close),
            _ => throw new NotSupportedException(write.GetType().Name),
        };

        public async Task SaveAsync(CancellationToken cancellationToken)
        {
            var spans = new ClickHouseRows(SpanColumns);
            var keys = new ClickHouseRows(SpanKeyColumns);
            var errors = new ClickHouseRows(SpanErrorColumns);
            foreach (var span in _newSpans)
            {
                AddSpan(spans, span);
                keys.Int(span.StartTimeUnixNano).String(span.TraceId).String(span.SpanId).Date(span.StartTimeUnixNano).EndRow();
                if (span.Status == SpanStatusCode.Error && span.AgentId is not null)
                {
                    AddSpanError(errors, span);
                }
            }
            var runs = new ClickHouseRows(RunColumns);
            var index = new ClickHouseRows(RunIndexColumns);
            foreach (var (run, agentName) in _changedRuns.Values)
            {
                AddRun(runs, run, agentName, Interlocked.Increment(ref store._version));
                if (_createdRuns.Contains(run.TraceId))
                {
                    index.String(run.AgentId).Int(run.StartedUnixNano).String(run.TraceId).Date(run.StartedUnixNano).EndRow();
                }
            }
            var usage = new ClickHouseRows(UsageColumns);
            foreach (var ((agentId, hour, model), delta) in _rollup.Usage)
            {
                usage.String(agentId).Int(hour).String(model).Int(delta.Runs).Int(delta.RunErrors).Int(delta.LlmCalls).Int(delta.LlmErrors)
                    .Int(delta.InputTokens).Int(delta.OutputTokens).Int(delta.CachedInputTokens).Float(delta.ReportedCost).Date(hour * 1_000_000_000).EndRow();
            }
            var durations = new ClickHouseRows(DurationColumns);
            foreach (var ((agentId, hour, bucket), count) in _rollup.RunDurations)
            {
                durations.String(agentId).Int(hour).Int(bucket).Int(count).Date(hour * 1_000_000_000).EndRow();
            }
            // In this order, so a failure part-way can leave a row in an index table that a retry
            // writes again (its readers count by ids), but never a span or run missing from one.
            await store._client.InsertAsync("spans", spans, cancellationToken);
            await store._client.InsertAsync("span_errors", errors, cancellationToken);
            await store._client.InsertAsync("span_keys", keys, cancellationToken);
            await store._client.InsertAsync("run_index", index, cancellationToken);
            await store._client.InsertAsync("runs", runs, cancellationToken);
            await store._client.InsertAsync("usage_hourly", usage, cancellationToken);
            await store._client.InsertAsync("run_duration_hourly", durations, cancellationToken);
        }

        private WriteOutcome Start(RunStart start)
        {
            if (_runs.ContainsKey(start.TraceId))
            {
                return new WriteOutcome(WriteOutcomeKind.Conflict, $"A run with trace_id '{start.TraceId}' already exists; send a new trace_id or none to have one made.");
            }
            var run = new RunRecord
            {
                TraceId = start.TraceId,
                SpanId = start.SpanId,
                AgentId = start.AgentId,
                ProjectId = start.ProjectId,
                StartedUnixNano = start.StartedUnixNano,
                Status = RunStatus.Running,
                Input = start.Input,
                Metadata = start.Metadata,
            };
            Remember(run, start.AgentName);
            _createdRuns.Add(run.TraceId);
            return WriteOutcome.Done(1);
        }

        private WriteOutcome End(RunEnd end)
        {
            if (!_runs.TryGetValue(end.TraceId, out var found) || found.Run.AgentId != end.AgentId)
            {
                return new WriteOutcome(WriteOutcomeKind.NotFound, $"This agent has no run with trace_id '{end.TraceId}'. Start one with POST /agents/{{id}}/trace/start.");
            }
            if (found.Run.Status != RunStatus.Running)
            {
                return new WriteOutcome(WriteOutcomeKind.Conflict, $"The run '{end.TraceId}' already ended with status {found.Run.Status.ToWire()}.");
            }
            return Close(found.Run, found.AgentName, end.EndedUnixNano, end.Status, end.Output, end.Error);
        }

        private WriteOutcome Append(IReadOnlyList<SpanRecord> spans, IReadOnlyList<ObservedRun>? runs)
        {
            foreach (var (run, agentName) in runs ?? [])
            {
                if (_runs.ContainsKey(run.TraceId))
                {
                    continue;
                }
                // The trace's LLM calls stored before its root span: in the table, and earlier in this batch.
                var stored = _storedCalls.GetValueOrDefault(run.TraceId);
                _unownedCalls.Remove(run.TraceId, out var pending);
                Remember(With(run, llmCalls: stored.Calls + pending.Calls, inputTokens: stored.Input + pending.Input, outputTokens: stored.Output + pending.Output), agentName);
                _createdRuns.Add(run.TraceId);
                _rollup.AddRun(run.AgentId, run.StartedUnixNano, run.DurationNanos ?? 0, run.Status == RunStatus.Error);
            }
            var inserted = 0;
            foreach (var span in spans)
            {
                if (!_existingSpans.Add((span.TraceId, span.SpanId)))
                {
                    continue;
                }
                inserted++;
                if (span.IsLlmCall && _runs.TryGetValue(span.TraceId, out var owner))
                {
                    Remember(With(owner.Run, llmCalls: owner.Run.LlmCalls + 1, inputTokens: owner.Run.InputTokens + (span.InputTokens ?? 0),
                        outputTokens: owner.Run.OutputTokens + (span.OutputTokens ?? 0)), owner.AgentName);
                }
                else if (span.IsLlmCall && _observedTraces.Count > 0 && _observedTraces.Contains(span.TraceId))
                {
                    var unowned = _unownedCalls.GetValueOrDefault(span.TraceId);
                    _unownedCalls[span.TraceId] = (unowned.Calls + 1, unowned.Input + (span.InputTokens ?? 0), unowned.Output + (span.OutputTokens ?? 0));
                }
                if (span.IsLlmCall)
                {
                    _rollup.AddLlmCall(span);
                }
                _newSpans.Add(span);
            }
            return WriteOutcome.Done(inserted);
        }

        private WriteOutcome CloseTimedOut(TelemetryWrite.CloseTimedOutRuns close)
        {
            var due = _runs.Values.Where(r => r.Run.Status == RunStatus.Running && r.Run.StartedUnixNano < close.StartedBeforeUnixNano).ToList();
            foreach (var (run, agentName) in due)
            {
                Close(run, agentName, close.NowUnixNano, RunStatus.Error, null, close.Reason);
            }
            return WriteOutcome.Done(due.Count);
        }

        private WriteOutcome Close(RunRecord run, string agentName, long endedUnixNano, RunStatus status, string? output, string? error)
        {
            var ended = Math.Max(endedUnixNano, run.StartedUnixNano);
            var closed = With(run, ended: ended, status: status, error: error, output: RunSpans.Preview(output));
            Remember(closed, agentName);
            var root = RunSpans.RootSpan(closed, agentName, ended, status, error);
            if (_existingSpans.Add((root.TraceId, root.SpanId)))
            {
                _newSpans.Add(root);
            }
            _rollup.AddRun(run.AgentId, run.StartedUnixNano, ended - run.StartedUnixNano, status == RunStatus.Error);
            return WriteOutcome.Done(1, closed);
        }

        private void Remember(RunRecord run, string agentName)
        {
            _runs[run.TraceId] = (run, agentName);
            _changedRuns[run.TraceId] = (run, agentName);
        }

        private static RunRecord With(RunRecord run, long? ended = null, RunStatus? status = null, string? error = null, string? output = null,
            long? llmCalls = null, long? inputTokens = null, long? outputTokens = null) => new()
            {
                TraceId = run.TraceId,
                SpanId = run.SpanId,
                AgentId = run.AgentId,
                ProjectId = run.ProjectId,
                StartedUnixNano = run.StartedUnixNano,
                EndedUnixNano = ended ?? run.EndedUnixNano,
                Status = status ?? run.Status,
                Error = error ?? run.Error,
                Input = run.Input,
                Output = output ?? run.Output,
                Metadata = run.Metadata,
                LlmCalls = llmCalls ?? run.LlmCalls,
                InputTokens = inputTokens ?? run.InputTokens,
                OutputTokens = outputTokens ?? run.OutputTokens,
            };

        private static void AddSpan(ClickHouseRows rows, SpanRecord span) => rows
            .String(span.TraceId).String(span.SpanId).String(span.ParentSpanId).String(span.Name).Int((int)span.Kind)
            .String(span.ServiceName).String(span.AgentId).String(span.ProjectId).Int(span.StartTimeUnixNano).Int(span.DurationNanos)
            .Int((int)span.Status).String(span.StatusMessage).String(span.Operation).String(span.Provider).String(span.RequestModel)
            .String(span.ResponseModel).Int(span.InputTokens).Int(span.OutputTokens).Int(span.CachedInputTokens).Int(span.IsRunRoot ? 1 : 0)
            .String(span.AttributesJson).String(span.ResourceAttributesJson).String(span.EventsJson).Date(span.StartTimeUnixNano)
            .String(span.LinksJson)
            .EndRow();

        private static void AddSpanError(ClickHouseRows rows, SpanRecord span) => rows
            .String(span.AgentId).Int(span.StartTimeUnixNano).String(span.TraceId).String(span.SpanId).String(span.Name)
            .String(span.StatusMessage ?? "").Int(span.IsRunRoot ? 1 : 0).Date(span.StartTimeUnixNano)
            .EndRow();

        private static void AddRun(ClickHouseRows rows, RunRecord run, string agentName, long version) => rows
            .String(run.TraceId).String(run.SpanId).String(run.AgentId).String(run.ProjectId).String(agentName)
            .Int(run.StartedUnixNano).Int(run.EndedUnixNano).Int((int)run.Status).String(run.Error).String(run.Input)
            .String(run.Output).String(run.Metadata).Int(run.LlmCalls).Int(run.InputTokens).Int(run.OutputTokens)
            .Int(version).Date(run.StartedUnixNano)
            .EndRow();
    }
}
