using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace AgentPortal.Core.Tests.Telemetry;

public sealed class SqliteTelemetryStoreTests : TelemetryStoreContractTests
{
    private readonly TempFolder _folder = new();
    private SqliteTelemetryStore? _store;

    protected override Task<ITelemetryStore> CreateStoreAsync()
    {
        _store = new SqliteTelemetryStore(_folder.File("telemetry.db"));
        return Task.FromResult<ITelemetryStore>(_store);
    }

    [Fact]
    public async Task Purge_DeletesAtMostOneBatchPerRound_OldestWrittenFirst()
    {
        var september = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        var runs = new List<RunStart>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(NewRun("agent-b", september.AddHours(i)));
            await WriteAsync(new TelemetryWrite.StartRun(runs[^1]));
        }
        var request = new PurgeRequest(Nanos(september.AddDays(30)), Nanos(september), BatchSize: 2);

        var first = await Store.PurgeAsync(request, CancellationToken.None);

        Assert.Equal((2L, false), (first.Runs, first.Done));
        Assert.Null(await Store.GetRunAsync(runs[1].TraceId, CancellationToken.None));
        Assert.NotNull(await Store.GetRunAsync(runs[2].TraceId, CancellationToken.None));
        var second = await Store.PurgeAsync(request, CancellationToken.None);
        var third = await Store.PurgeAsync(request, CancellationToken.None);
        Assert.Equal((2L, false, 1L, true), (second.Runs, second.Done, third.Runs, third.Done));
    }

    [Fact]
    public void FailedSpansIndex_IsOnTheStatusThatMarksAFailedSpan() =>
        Assert.Equal(TelemetryDbContext.ErrorSpansFilter, $"status = {(int)SpanStatusCode.Error}");

    [Fact]
    public async Task TopErrors_ReadsTheFailedSpansIndex_NotEverySpan()
    {
        await using var connection = new SqliteConnection($"Data Source={_store!.DatabasePath}");
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteTelemetryStore.TopErrorsSql;
        foreach (var name in new[] { "$agent_id", "$from", "$to", "$limit" })
        {
            explain.Parameters.AddWithValue(name, name == "$agent_id" ? "agent-a" : 0);
        }

        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Contains(plan, step => step.Contains("USING INDEX idx_spans_agent_errors", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ManyWrites_AreMergedIntoFewKeySegments_AndEveryTraceIsStillFound()
    {
        var start = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        var spans = new List<SpanRecord>();
        // 300 writes of one to three spans each: 300 segments unless they are merged.
        for (var i = 0; i < 300; i++)
        {
            var write = Enumerable.Range(0, 1 + i % 3).Select(j => LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), start.AddSeconds(i), "gpt-4o", 3, 4)).ToList();
            spans.AddRange(write);
            await WriteAsync(new TelemetryWrite.AppendSpans(write));
        }

        var segments = await ScalarAsync("SELECT count(*) FROM span_segments;");
        Assert.InRange(segments, 1, 3 * (SpanKeySegments.Fanout - 1));
        Assert.Equal(spans.Count, await ScalarAsync("SELECT sum(entries) FROM span_segments;"));
        Assert.Equal(spans.Count, await ScalarAsync("SELECT count(*) FROM span_keys;"));
        foreach (var span in spans)
        {
            var trace = await Store.GetTraceAsync(span.TraceId, CancellationToken.None);
            Assert.Equal(span.SpanId, Assert.Single(trace).SpanId);
        }
    }

    [Fact]
    public async Task ASpanSentAgain_IsRecognisedByItsStartTimeAndIds_InWhicheverSegmentItsKeyIs()
    {
        var start = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        var first = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), start, "gpt-4o", 3, 4);
        await WriteAsync(new TelemetryWrite.AppendSpans([first]));
        for (var i = 0; i < 2 * SpanKeySegments.Fanout; i++)
        {
            await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), start.AddSeconds(i), "gpt-4o", 3, 4)]));
        }

        var again = await WriteAsync(new TelemetryWrite.AppendSpans([LlmSpan(first.TraceId, first.ParentSpanId!, start, "gpt-4o", 3, 4, spanId: first.SpanId)]));

        Assert.Equal(0, again.Count);
        Assert.Single(await Store.GetTraceAsync(first.TraceId, CancellationToken.None));
    }

    [Fact]
    public async Task ATraceLookup_ProbesTheKeysOfEachSegment_AndReadsNoOtherSpan()
    {
        await using var connection = new SqliteConnection($"Data Source={_store!.DatabasePath}");
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = $"EXPLAIN QUERY PLAN SELECT * FROM spans WHERE seq IN ({SpanKeySegmentsSchema.SeqsWhere("k.trace_id = $trace_id")});";
        explain.Parameters.AddWithValue("$trace_id", "0af7651916cd43dd8448eb211c80319c");

        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Contains(plan, step => step.Contains("SEARCH k USING PRIMARY KEY (segment=? AND trace_id=?)", StringComparison.Ordinal));
        Assert.Contains(plan, step => step.Contains("SEARCH spans USING INTEGER PRIMARY KEY (rowid=?)", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal) && !step.Contains("span_segments", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Purge_DropsTheKeysOfDeletedSpans_AndKeepsFindingTheRest()
    {
        var september = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        var old = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), september, "gpt-4o", 3, 4);
        var recent = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), september.AddDays(40), "gpt-4o", 3, 4);
        await WriteAsync(new TelemetryWrite.AppendSpans([old]));
        await WriteAsync(new TelemetryWrite.AppendSpans([recent]));

        await PurgeUntilDoneAsync(september.AddDays(30), september);

        Assert.Empty(await Store.GetTraceAsync(old.TraceId, CancellationToken.None));
        Assert.Single(await Store.GetTraceAsync(recent.TraceId, CancellationToken.None));
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM span_keys;"));
        var more = LlmSpan(AgentRunService.NewHexId(16), AgentRunService.NewHexId(8), september.AddDays(41), "gpt-4o", 3, 4);
        await WriteAsync(new TelemetryWrite.AppendSpans([more]));
        Assert.Single(await Store.GetTraceAsync(more.TraceId, CancellationToken.None));
    }

    [Fact]
    public async Task ImportedSpans_AreFoundByTrace_InEachImportBatch_AndLaterWritesToo()
    {
        var table = AgentPortal.Core.Data.Export.TelemetryTables.Spans;
        var start = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        var traceIds = Enumerable.Range(0, 4).Select(_ => AgentRunService.NewHexId(16)).ToList();
        object?[] Row(string traceId, int i)
        {
            var row = new object?[table.Columns.Count];
            foreach (var (column, value) in new (string, object)[]
            {
                ("trace_id", traceId), ("span_id", AgentRunService.NewHexId(8)), ("name", "imported " + i), ("kind", 3L),
                ("start_unix_nano", Nanos(start.AddSeconds(i))), ("duration_nanos", 1000L), ("status", 1L), ("is_run_root", false),
            })
            {
                row[table.IndexOf(column)] = value;
            }
            return row;
        }

        await Store.ImportRowsAsync(table, [Row(traceIds[0], 0), Row(traceIds[1], 1)], CancellationToken.None);
        await Store.ImportRowsAsync(table, [Row(traceIds[2], 2), Row(traceIds[0], 3)], CancellationToken.None);
        var written = LlmSpan(traceIds[3], AgentRunService.NewHexId(8), start.AddSeconds(4), "gpt-4o", 3, 4);
        await WriteAsync(new TelemetryWrite.AppendSpans([written]));

        Assert.Equal(["imported 0", "imported 3"], (await Store.GetTraceAsync(traceIds[0], CancellationToken.None)).Select(s => s.Name));
        Assert.Single(await Store.GetTraceAsync(traceIds[1], CancellationToken.None));
        Assert.Single(await Store.GetTraceAsync(traceIds[2], CancellationToken.None));
        Assert.Single(await Store.GetTraceAsync(traceIds[3], CancellationToken.None));
        Assert.Equal(5, await ScalarAsync("SELECT count(*) FROM span_keys;"));
    }

    [Fact]
    public async Task AStoreFromBeforeKeySegments_KeepsItsSpansInOrder_FindsTheirTraces_AndRecognisesThemIfSentAgain()
    {
        var path = _folder.File("before-segments.db");
        var start = new DateTime(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
        var traceId = AgentRunService.NewHexId(16);
        await using (var db = new TelemetryDbContext(new DbContextOptionsBuilder<TelemetryDbContext>().UseSqlite($"Data Source={path};Pooling=False").Options))
        {
            var all = db.Database.GetMigrations().ToList();
            await db.GetService<IMigrator>().MigrateAsync(all[all.IndexOf(all.Single(m => m.EndsWith("_SpanKeySegments", StringComparison.Ordinal))) - 1]);
            for (var i = 0; i < 3; i++)
            {
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO spans (trace_id, span_id, name, kind, start_unix_nano, duration_nanos, status, is_run_root, request_model, input_tokens, output_tokens)
                    VALUES ({traceId}, {"00000000000000" + i + "a"}, {"call " + i}, 3, {Nanos(start.AddSeconds(-i))}, 1000, 1, 0, 'gpt-4o', 3, 4)
                    """);
            }
        }

        await using var store = new SqliteTelemetryStore(path);
        await store.InitializeAsync(CancellationToken.None);

        var trace = await store.GetTraceAsync(traceId, CancellationToken.None);
        Assert.Equal(["call 2", "call 1", "call 0"], trace.Select(s => s.Name));
        var again = await store.WriteBatchAsync([new TelemetryWrite.AppendSpans([LlmSpan(traceId, "", start, "gpt-4o", 3, 4, spanId: "000000000000000a")])], CancellationToken.None);
        Assert.Equal(0, again[0].Count);
        var more = await store.WriteBatchAsync([new TelemetryWrite.AppendSpans([LlmSpan(traceId, "", start.AddSeconds(1), "gpt-4o", 3, 4)])], CancellationToken.None);
        Assert.Equal(1, more[0].Count);
        Assert.Equal(4, (await store.GetTraceAsync(traceId, CancellationToken.None)).Count);
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var order = connection.CreateCommand();
        order.CommandText = "SELECT group_concat(name, ',') FROM (SELECT name FROM spans ORDER BY seq);";
        Assert.Equal("call 0,call 1,call 2,chat gpt-4o", await order.ExecuteScalarAsync());
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_store!.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        _folder.Dispose();
    }
}
