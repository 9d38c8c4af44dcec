using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.ClickHouse;
using AgentPortal.Core.Tests.Infrastructure;
using AgentPortal.Tests.Shared;

namespace AgentPortal.Core.Tests.Telemetry;

[Collection(ClickHouseCollection.Name)]
public sealed class ClickHouseTelemetryStoreTests(ClickHouseFixture clickhouse) : TelemetryStoreContractTests
{
    private ClickHouseTelemetryStore? _store;
    private ClickHouseOptions? _options;

    protected override Task<ITelemetryStore> CreateStoreAsync()
    {
        _options = new ClickHouseOptions
        {
            Url = clickhouse.Server.Url,
            Database = "t_" + Guid.NewGuid().ToString("N")[..16],
            User = ClickHouseServer.User,
            Password = ClickHouseServer.Password,
        };
        _store = new ClickHouseTelemetryStore(_options);
        return Task.FromResult<ITelemetryStore>(_store);
    }

    protected override Task DisposeStoreAsync()
    {
        _store?.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("it's")]
    [InlineData(@"\'; DROP TABLE spans; --")]
    [InlineData("line\nbreak\ttab\0nul\u0007bell")]
    [InlineData("ünïcødé 한국어 🚀")]
    public async Task Formatter_RoundTripsValuesThroughTheLiveServer(string value)
    {
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = clickhouse.Server.Url, Database = "default", User = ClickHouseServer.User, Password = ClickHouseServer.Password });

        var rows = await client.QueryAsync($"SELECT {ClickHouseSql.String(value)} AS v", CancellationToken.None);

        Assert.Equal(value, Assert.Single(rows).GetProperty("v").GetString());
    }

    [Fact]
    public async Task Rows_RoundTripThroughTheLiveServer_AsAnInsertAndAsExternalData()
    {
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = clickhouse.Server.Url, Database = _options!.Database, User = ClickHouseServer.User, Password = ClickHouseServer.Password });
        await Store.InitializeAsync(CancellationToken.None);
        string?[] values = ["plain", "tab\there", "line\nbreak\r\n", @"back\slash\t", @"\N", "nul\0", "it's \"quoted\"", "ünïcødé 한국어 🚀", "", null];
        const string Structure = "position Int64, value Nullable(String)";
        var rows = new ClickHouseRows(Structure);
        for (var i = 0; i < values.Length; i++)
        {
            rows.Int(i).String(values[i]).EndRow();
        }
        await client.ExecuteAsync($"CREATE TABLE sent ({Structure}) ENGINE = MergeTree() ORDER BY position", CancellationToken.None);

        await client.InsertAsync("sent", rows, CancellationToken.None);
        var inserted = await client.QueryAsync("SELECT position, value FROM sent ORDER BY position", CancellationToken.None);
        var external = await client.QueryAsync("SELECT position, value FROM outside ORDER BY position", "outside", rows, CancellationToken.None);

        Assert.Equal(values, inserted.Select(r => r.GetProperty("value").GetString()));
        Assert.Equal(values, external.Select(r => r.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task AppendSpans_WithIdsThatNeedEscaping_IsStoredAndCountedOnce()
    {
        var span = LlmSpan("trace\twith\ttabs\\", "parent", new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc), "gpt-4o", 5, 1, spanId: "span\nid");
        span.AgentId = "agent-x";

        await WriteAsync(new TelemetryWrite.AppendSpans([span]));
        var again = await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(span.TraceId, "parent", new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc), "gpt-4o", 5, 1, spanId: span.SpanId)]));

        Assert.Equal(0, again.Count);
        Assert.Equal("span\nid", Assert.Single(await Store.GetTraceAsync(span.TraceId, CancellationToken.None)).SpanId);
    }

    [Fact]
    public async Task AStoreFromBeforeSpanKeys_IndexesItsSpansOnStart_SoTheirRetriesAreNotCountedAgain()
    {
        var start = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        var span = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), start, "gpt-4o", 5, 1);
        span.AgentId = "agent-old";
        await WriteAsync(new TelemetryWrite.AppendSpans([span]));
        using (var client = new ClickHouseClient(_options!))
        {
            await client.ExecuteAsync("DROP TABLE span_keys", CancellationToken.None);
        }

        using var upgraded = new ClickHouseTelemetryStore(_options!);
        await upgraded.InitializeAsync(CancellationToken.None);
        var retried = LlmSpan(span.TraceId, span.ParentSpanId!, start, "gpt-4o", 5, 1, spanId: span.SpanId);
        retried.AgentId = "agent-old";
        var outcome = (await upgraded.WriteBatchAsync([new TelemetryWrite.AppendSpans([retried])], CancellationToken.None))[0];

        Assert.Equal(0, outcome.Count);
        Assert.Equal(1, (await upgraded.GetAgentUsageAsync("agent-old", start, start.AddHours(1), CancellationToken.None)).LlmCalls);
    }

    [Fact]
    public async Task AStoreFromBeforeTheRunIndexAndSpanErrors_FillsThemOnStart_SoItsRunsAreListedAndItsErrorsGrouped()
    {
        var start = new DateTime(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);
        var run = NewRun("agent-up", start);
        await WriteAsync(new TelemetryWrite.StartRun(run));
        await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(run, start, "gpt-4o", 1, 1, failed: true, statusMessage: "rate limited")]));
        await WriteAsync(new TelemetryWrite.EndRun(End(run, start.AddSeconds(2), RunStatus.Error, error: "gave up")));
        using (var client = new ClickHouseClient(_options!))
        {
            await client.ExecuteAsync("DROP TABLE run_index", CancellationToken.None);
            await client.ExecuteAsync("DROP TABLE span_errors", CancellationToken.None);
        }

        using var upgraded = new ClickHouseTelemetryStore(_options!);
        await upgraded.InitializeAsync(CancellationToken.None);
        await upgraded.InitializeAsync(CancellationToken.None);

        var listed = await upgraded.ListRunsAsync(new ListRunsRequest { AgentId = "agent-up" }, CancellationToken.None);
        Assert.Equal((1, run.TraceId, RunStatus.Error), (listed.TotalCount, Assert.Single(listed.Items).TraceId, listed.Items[0].Status));
        var errors = await upgraded.GetTopErrorsAsync("agent-up", start, start.AddHours(1), 10, CancellationToken.None);
        Assert.Equal([("gave up", 1L), ("rate limited", 1L)], errors.Select(e => (e.Message, e.Count)).OrderBy(e => e.Message));
    }

    [Fact]
    public async Task IndexRowsWrittenTwice_ByABatchRetriedAfterAFailurePartWay_AreCountedOnce()
    {
        var start = new DateTime(2026, 11, 20, 13, 0, 0, DateTimeKind.Utc);
        var run = NewRun("agent-twice", start);
        await WriteAsync(new TelemetryWrite.StartRun(run));
        await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(run, start, "gpt-4o", 1, 1, failed: true, statusMessage: "rate limited")]));
        using (var client = new ClickHouseClient(_options!))
        {
            // What a retry after a failure between the index tables and the next insert leaves behind.
            await client.ExecuteAsync("INSERT INTO run_index SELECT * FROM run_index", CancellationToken.None);
            await client.ExecuteAsync("INSERT INTO span_errors SELECT * FROM span_errors", CancellationToken.None);
        }

        var listed = await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-twice" }, CancellationToken.None);
        Assert.Equal(1, listed.TotalCount);
        Assert.Single(listed.Items);
        Assert.Equal(1, Assert.Single(await Store.GetTopErrorsAsync("agent-twice", start, start.AddHours(1), 10, CancellationToken.None)).Count);
        Assert.Equal(1, (await Store.ListRunsAsync(new ListRunsRequest { AgentId = "agent-twice", Status = RunStatus.Running }, CancellationToken.None)).TotalCount);
    }

    [Fact]
    public async Task AStoreFromBeforeSpanLinks_GainsTheColumnOnStart_OldSpansHaveNone_NewOnesKeepTheirs()
    {
        var start = new DateTime(2026, 11, 20, 11, 0, 0, DateTimeKind.Utc);
        var old = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), start, "gpt-4o", 5, 1);
        await WriteAsync(new TelemetryWrite.AppendSpans([old]));
        using (var client = new ClickHouseClient(_options!))
        {
            await client.ExecuteAsync("ALTER TABLE spans DROP COLUMN links", CancellationToken.None);
        }

        using var upgraded = new ClickHouseTelemetryStore(_options!);
        await upgraded.InitializeAsync(CancellationToken.None);
        var linked = new SpanRecord
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            Name = "consume batch",
            StartTimeUnixNano = AgentRunService.ToUnixNano(start),
            Links = [new SpanLink(old.TraceId, old.SpanId, [new("messaging.batch", "7")])],
        };
        await upgraded.WriteBatchAsync([new TelemetryWrite.AppendSpans([linked])], CancellationToken.None);

        Assert.Empty(Assert.Single(await upgraded.GetTraceAsync(old.TraceId, CancellationToken.None)).Links);
        var link = Assert.Single(Assert.Single(await upgraded.GetTraceAsync(linked.TraceId, CancellationToken.None)).Links);
        Assert.Equal((old.TraceId, old.SpanId), (link.TraceId, link.SpanId));
    }

    [Fact]
    public async Task WrongPassword_FailsWithTheServersMessage_WithoutThePassword()
    {
        using var store = new ClickHouseTelemetryStore(new ClickHouseOptions { Url = clickhouse.Server.Url, User = ClickHouseServer.User, Password = "not-the-password" });

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => store.PingAsync(CancellationToken.None));

        Assert.Contains("Wrong password", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }
}
