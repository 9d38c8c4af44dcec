using System.Text.Json;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.ClickHouse;
using AgentPortal.Tests.Shared;
using Xunit.Abstractions;

namespace AgentPortal.Core.Tests.Telemetry;

/// <summary>Collector mode's SQL, checked as text; and what the local ClickHouse can run of it.</summary>
public sealed class CollectorTracesTests(ITestOutputHelper output)
{
    private static readonly DateTime s_from = new(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
    private readonly CollectorTracesSql _sql = new("otel_traces");

    [Fact]
    public void UsageRows_ReadTheAgentFromLiteLlmMetadataOrGenAi_AndFilterByTimeAsNanoseconds()
    {
        var sql = _sql.UsageRows(s_from, s_from.AddHours(1), "agent-1");

        Assert.Contains("SpanAttributes['metadata.agent_id']", sql);
        Assert.Contains("SpanAttributes['gen_ai.agent.id']", sql);
        Assert.Contains("FROM otel_traces WHERE Timestamp >= fromUnixTimestamp64Nano(toInt64(1795168800000000000)) AND Timestamp < fromUnixTimestamp64Nano(toInt64(1795172400000000000))", sql);
        Assert.Contains("WHERE agent_id = 'agent-1'", sql);
        Assert.Contains("StatusCode IN ('Error', 'STATUS_CODE_ERROR')", sql);
        Assert.Contains("GROUP BY agent_id, hour_unix, model", _sql.UsageRows(s_from, s_from.AddHours(1), null));
        Assert.Contains("WHERE agent_id != ''", _sql.UsageRows(s_from, s_from.AddHours(1), null));
    }

    [Fact]
    public void EveryValue_IsEscapedByTheOneFormatter()
    {
        const string hostile = "x' OR 1=1 --\\";
        var escaped = ClickHouseSql.String(hostile);

        var runs = _sql.Runs(new ListRunsRequest { AgentId = hostile, Text = hostile, Model = hostile, SpanName = hostile, Session = hostile, User = hostile, Status = RunStatus.Error },
            count: false, traceId: hostile);
        var errors = _sql.TopErrors(hostile, s_from, s_from.AddHours(1), 5);

        Assert.Contains($"= {escaped}", runs);
        Assert.Contains($"TraceId = {escaped}", runs);
        Assert.Contains($"SpanAttributes['gen_ai.request.model'] = {escaped}", runs);
        Assert.Contains($"SpanAttributes['langfuse.session.id'] = {escaped}", runs);
        Assert.Contains($"SpanAttributes['user.id'] = {escaped}", runs);
        Assert.Contains(ClickHouseSql.String(hostile.ToLowerInvariant()), runs);
        Assert.DoesNotContain("'x' OR 1=1", runs);
        Assert.Contains($"= {escaped}", errors);
        Assert.Contains($"TraceId = {escaped}", _sql.Trace(hostile));
        Assert.Contains($"TraceId IN ({escaped}, 'b')", _sql.RunModelUsage([hostile, "b"]));
        Assert.Contains("LIMIT 5", errors);
        var byUser = _sql.UsageByUser(s_from, s_from.AddHours(1), hostile);
        Assert.Contains($"ResourceAttributes['agentportal.project_id'] = {escaped}", byUser);
        Assert.Contains("SpanAttributes['user.id'] AS caller", byUser);
        Assert.DoesNotContain("'x' OR 1=1", byUser);
    }

    [Fact]
    public void Runs_ArePagedRootSpans_AndCountedWithTheSameFilter()
    {
        var list = _sql.Runs(new ListRunsRequest { Page = 3, PageSize = 25, Status = RunStatus.Ok }, count: false);
        var count = _sql.Runs(new ListRunsRequest { Page = 3, PageSize = 25, Status = RunStatus.Ok }, count: true);

        Assert.Contains("ParentSpanId = ''", list);
        Assert.Contains("NOT (StatusCode IN ('Error', 'STATUS_CODE_ERROR'))", list);
        Assert.Contains("LIMIT 25 OFFSET 50", list);
        Assert.StartsWith($"SELECT count() AS total FROM otel_traces WHERE {CollectorTracesSql.IsRun}", count);
        Assert.DoesNotContain("LIMIT", count);
    }

    [Fact]
    public void RunModelUsage_CountsModelSpansBelowTheRoot_PerTraceHourAndModel()
    {
        var sql = _sql.RunModelUsage(["4bf92f3577b34da6a3ce929d0e0e4736"]);

        Assert.Contains($"WHERE TraceId IN ('4bf92f3577b34da6a3ce929d0e0e4736') AND NOT ({CollectorTracesSql.IsRun})", sql);
        Assert.Contains($"{CollectorTracesSql.Model} != ''", sql);
        Assert.Contains("toStartOfHour(Timestamp)", sql);
        Assert.Contains($"sum({CollectorTracesSql.CachedTokens}) AS cached", sql);
        Assert.Contains("GROUP BY trace_id, hour_unix, model", sql);
    }

    [Theory]
    [InlineData("otel_traces; DROP TABLE x")]
    [InlineData("db.otel_traces")]
    [InlineData("")]
    public void TableName_MustBeAnIdentifier(string table) => Assert.Throws<ArgumentException>(() => new CollectorTracesSql(table));

    [Theory]
    [InlineData(500_000L)]
    [InlineData(1_000_000L)]
    [InlineData(2_500_000_000L)]
    public void DurationBucket_MatchesTheHistogram(long nanos)
    {
        // The SQL expression written out in C#: the same formula, so both stores bucket alike.
        var expected = DurationHistogram.BucketOf(nanos);
        var fromSql = nanos < 1_000_000 ? 0 : Math.Min(DurationHistogram.MaxBucket, (int)Math.Floor(Math.Log(nanos / 1_000_000.0) / Math.Log(1.1)) + 1);

        Assert.Equal(expected, fromSql);
        Assert.Contains($"least({DurationHistogram.MaxBucket}, toInt32(floor(log(Duration / 1000000.0) / log(1.1))) + 1)", CollectorTracesSql.Bucket);
    }

    [Fact]
    public void ReadSpan_MapsTheCollectorsColumnsAndGenAiAttributes()
    {
        using var row = JsonDocument.Parse("""
            {"TraceId": "4bf92f3577b34da6a3ce929d0e0e4736", "SpanId": "00f067aa0ba902b7", "ParentSpanId": "", "SpanName": "litellm_request",
             "SpanKind": "SPAN_KIND_CLIENT", "ServiceName": "litellm", "start_unix_nano": 1795168800000000000, "duration_nanos": 350000000,
             "StatusCode": "STATUS_CODE_ERROR", "StatusMessage": "rate limited",
             "SpanAttributes": {"metadata.agent_id": "agent-1", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.prompt_tokens": "120", "gen_ai.usage.completion_tokens": "40"},
             "ResourceAttributes": {"service.name": "litellm"}}
            """);

        var span = CollectorTracesStore.ReadSpan(row.RootElement);

        Assert.Equal(SpanKindCode.Client, span.Kind);
        Assert.Equal(SpanStatusCode.Error, span.Status);
        Assert.Equal("agent-1", span.AgentId);
        Assert.Equal("gpt-4o-mini", span.Model);
        Assert.Equal(120, span.InputTokens);
        Assert.Equal(40, span.OutputTokens);
        // A root span that is an LLM call stays a call, as in the native stores.
        Assert.False(span.IsRunRoot);
        Assert.True(span.IsLlmCall);
        Assert.Null(span.ParentSpanId);
        Assert.Equal("litellm", Assert.Single(span.ResourceAttributes).Value);
    }

    [Fact]
    public void ReadSpan_AnAgentInvocationAtTheRoot_IsARun_EvenWithAModelOnIt()
    {
        using var row = JsonDocument.Parse("""
            {"TraceId": "4bf92f3577b34da6a3ce929d0e0e4736", "SpanId": "00f067aa0ba902b8", "ParentSpanId": "", "SpanName": "invoke_agent planner",
             "SpanKind": "SPAN_KIND_INTERNAL", "ServiceName": "planner-svc", "start_unix_nano": 1795168800000000000, "duration_nanos": 900000000,
             "StatusCode": "STATUS_CODE_OK", "StatusMessage": "",
             "SpanAttributes": {"gen_ai.agent.id": "agent-2", "gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o"},
             "ResourceAttributes": {"service.name": "planner-svc"}}
            """);

        var span = CollectorTracesStore.ReadSpan(row.RootElement);

        Assert.True(span.IsRunRoot);
        Assert.False(span.IsLlmCall);
    }

    /// <summary>
    /// The Collector's table needs Map(String, String), which ClickHouse has since 21.1. On an older
    /// server (Debian 12 ships 18.16) this proves the server refuses Map, so the queries above cannot
    /// run live there; on a newer one it creates the table, writes spans and reads them back through the store.
    /// </summary>
    [Fact]
    public async Task LiveOnTheLocalServer_RunsWhereMapExists_OtherwiseShowsClickHouse18LacksMapAndDateTime64()
    {
        await using var server = await ClickHouseServer.StartAsync();
        var options = new ClickHouseOptions { Url = server.Url, User = ClickHouseServer.User, Password = ClickHouseServer.Password, Database = "default", TracesTable = "otel_traces_test" };
        using var client = new ClickHouseClient(options);
        var version = (await client.QueryAsync("SELECT version() AS v", CancellationToken.None))[0].GetProperty("v").GetString()!;
        const string ddl = """
            CREATE TABLE IF NOT EXISTS otel_traces_test (Timestamp DateTime64(9), TraceId String, SpanId String, ParentSpanId String, SpanName String,
              SpanKind String, ServiceName String, SpanAttributes Map(String, String), ResourceAttributes Map(String, String),
              Duration Int64, StatusCode String, StatusMessage String) ENGINE = MergeTree() ORDER BY (ServiceName, SpanName, Timestamp)
            """;
        if (int.Parse(version.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture) < 21)
        {
            var refused = await Assert.ThrowsAsync<ClickHouseException>(() => client.ExecuteAsync(ddl, CancellationToken.None));
            output.WriteLine($"ClickHouse {version} lacks the Collector table's types Map and DateTime64 ({refused.Message.Split('\n')[0]}): Collector mode's queries are checked as SQL text only here.");
            return;
        }

        await client.ExecuteAsync(ddl, CancellationToken.None);
        await client.ExecuteAsync("""
            INSERT INTO otel_traces_test VALUES
              (now64(9), 'trace-a', 'root', '', 'invoke_agent sales', 'SPAN_KIND_INTERNAL', 'app', map('metadata.agent_id', 'agent-live'), map(), 2000000000, 'STATUS_CODE_ERROR', 'SQL failed'),
              (now64(9), 'trace-a', 'call', 'root', 'chat gpt-4o', 'SPAN_KIND_CLIENT', 'litellm', map('metadata.agent_id', 'agent-live', 'gen_ai.request.model', 'gpt-4o', 'gen_ai.usage.input_tokens', '100'), map(), 500000000, 'STATUS_CODE_OK', '')
            """, CancellationToken.None);
        using var store = new CollectorTracesStore(options);
        var usage = await store.GetAgentUsageAsync("agent-live", DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), CancellationToken.None);
        Assert.Equal((1L, 1L, 1L, 100L, 0L), (usage.Runs, usage.Errors, usage.LlmCalls, usage.InputTokens, usage.LlmErrors));
        var run = Assert.Single((await store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-live" }, CancellationToken.None)).Items);
        Assert.Equal(1, run.LlmCalls);
        Assert.Equal(2, (await store.GetTraceAsync("trace-a", CancellationToken.None)).Count);
        var perRun = Assert.Single(await store.GetRunModelUsageAsync(["trace-a"], CancellationToken.None));
        Assert.Equal(("trace-a", "gpt-4o", 1L, 100L), (perRun.TraceId, perRun.Usage.Model, perRun.Usage.LlmCalls, perRun.Usage.InputTokens));
        output.WriteLine($"ClickHouse {version}: Collector mode ran live.");
    }
}
