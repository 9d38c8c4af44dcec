using System.Diagnostics;
using System.Globalization;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using DuckDB.NET.Data;

namespace AgentPortal.Bench;

/// <summary>
/// Chooses the embedded span store by measurement: the same LiteLLM-shaped spans, in the same batches,
/// into the SQLite store as it is, and into an embedded columnar table (DuckDB) kept the way the
/// ClickHouse store keeps spans: no index on the random ids; a retried span recognised by its start
/// time and ids (a retry repeats them), so the check reads only the row groups around the batch's
/// start times; every batch one committed transaction. Both are measured as the store grows, and then
/// a trace is looked up by id in each, which the columnar table can only answer by scanning.
/// </summary>
internal static class SpanStoreDesignBench
{
    private const int Batch = 8_000;

    private sealed record Measured(double All, double LastFifth, double RetryCheck, double LookupMs, long Stored);

    public static async Task<List<Figure>> RunAsync(string work, int spans)
    {
        var rows = MakeSpans(spans);
        var sqlite = await SqliteAsync(Path.Combine(work, "design-sqlite.db"), rows);
        var duck = Duck(Path.Combine(work, "design.duckdb"), rows);
        var figures = new List<Figure>();
        void Add(string label, Measured r)
        {
            figures.Add(new($"{label}: {spans:N0} spans in batches of {Batch:N0}", Stats.PerSecond(r.All)));
            figures.Add(new($"{label}: the last fifth of them (store at 80-100 %)", Stats.PerSecond(r.LastFifth)));
            figures.Add(new($"{label}: a retried batch, recognised and not stored", Stats.Ms(r.RetryCheck)));
            figures.Add(new($"{label}: one trace by id at {spans:N0} spans, median of 20", Stats.Ms(r.LookupMs)));
            figures.Add(new($"{label}: spans stored", r.Stored.ToString("N0", CultureInfo.InvariantCulture), spans.ToString("N0", CultureInfo.InvariantCulture)));
        }
        Add("SQLite store", sqlite);
        Add("columnar (DuckDB)", duck);
        figures.Add(new("  columnar / SQLite, all spans", (duck.All / sqlite.All).ToString("0.00", CultureInfo.InvariantCulture) + "x"));
        figures.Add(new("  columnar / SQLite, last fifth", (duck.LastFifth / sqlite.LastFifth).ToString("0.00", CultureInfo.InvariantCulture) + "x"));
        return figures;
    }

    private static async Task<Measured> SqliteAsync(string path, List<SpanRecord> rows)
    {
        await using var store = new SqliteTelemetryStore(path);
        await store.InitializeAsync(CancellationToken.None);
        var (all, lastFifth) = await TimeBatchesAsync(rows, batch => store.WriteBatchAsync([new TelemetryWrite.AppendSpans(batch)], CancellationToken.None));
        var retry = Stopwatch.StartNew();
        var again = await store.WriteBatchAsync([new TelemetryWrite.AppendSpans(rows[^Batch..])], CancellationToken.None);
        var retryMs = retry.Elapsed.TotalMilliseconds;
        if (again[0].Count != 0)
        {
            throw new InvalidOperationException("SQLite stored a retried batch again.");
        }
        var lookups = new List<double>();
        foreach (var span in rows.Where((_, i) => i % (rows.Count / 20) == 7).Take(20))
        {
            var clock = Stopwatch.StartNew();
            var found = await store.GetTraceAsync(span.TraceId, CancellationToken.None);
            lookups.Add(clock.Elapsed.TotalMilliseconds);
            if (found.Count != 1)
            {
                throw new InvalidOperationException("SQLite did not find a stored trace.");
            }
        }
        var stored = (await store.GetStatsAsync(CancellationToken.None)).Tables.Single(t => t.Name == "spans").Rows;
        return new Measured(all, lastFifth, retryMs, Median(lookups), stored);
    }

    private static Measured Duck(string path, List<SpanRecord> rows)
    {
        using var connection = new DuckDBConnection($"Data Source={path}");
        connection.Open();
        Execute(connection, """
            CREATE TABLE spans (trace_id VARCHAR, span_id VARCHAR, parent_span_id VARCHAR, name VARCHAR, kind TINYINT, service_name VARCHAR,
              agent_id VARCHAR, project_id VARCHAR, start_unix_nano BIGINT, duration_nanos BIGINT, status TINYINT, status_message VARCHAR,
              operation VARCHAR, provider VARCHAR, request_model VARCHAR, response_model VARCHAR, input_tokens BIGINT, output_tokens BIGINT,
              cached_input_tokens BIGINT, is_run_root BOOLEAN, attributes VARCHAR, resource_attributes VARCHAR, events VARCHAR, links VARCHAR)
            """);
        Execute(connection, "CREATE TEMP TABLE batch AS SELECT * FROM spans LIMIT 0");
        long stored = 0;
        int Append(SpanRecord[] batch)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, "DELETE FROM batch");
            using (var appender = connection.CreateAppender("temp", "main", "batch"))
            {
                foreach (var span in batch)
                {
                    appender.CreateRow()
                        .AppendValue(span.TraceId).AppendValue(span.SpanId).AppendValue(span.ParentSpanId).AppendValue(span.Name).AppendValue((sbyte)span.Kind)
                        .AppendValue(span.ServiceName).AppendValue(span.AgentId).AppendValue(span.ProjectId).AppendValue(span.StartTimeUnixNano)
                        .AppendValue(span.DurationNanos).AppendValue((sbyte)span.Status).AppendValue(span.StatusMessage).AppendValue(span.Operation)
                        .AppendValue(span.Provider).AppendValue(span.RequestModel).AppendValue(span.ResponseModel).AppendValue(span.InputTokens)
                        .AppendValue(span.OutputTokens).AppendValue(span.CachedInputTokens).AppendValue(span.IsRunRoot).AppendValue(span.AttributesJson)
                        .AppendValue(span.ResourceAttributesJson).AppendValue(span.EventsJson).AppendValue(span.LinksJson)
                        .EndRow();
                }
            }
            var (from, to) = (batch.Min(s => s.StartTimeUnixNano), batch.Max(s => s.StartTimeUnixNano));
            using var insert = connection.CreateCommand();
            // The range is written out so the scan of spans skips row groups by their start-time zone maps.
            insert.CommandText = $"""
                INSERT INTO spans SELECT b.* FROM batch b WHERE NOT EXISTS (
                  SELECT 1 FROM spans s WHERE s.start_unix_nano BETWEEN {from} AND {to}
                    AND s.start_unix_nano = b.start_unix_nano AND s.trace_id = b.trace_id AND s.span_id = b.span_id)
                """;
            var inserted = insert.ExecuteNonQuery();
            transaction.Commit();
            return inserted;
        }
        var (all, lastFifth) = TimeBatchesAsync(rows, batch =>
        {
            stored += Append(batch);
            return Task.FromResult<IReadOnlyList<WriteOutcome>>([]);
        }).GetAwaiter().GetResult();
        var retry = Stopwatch.StartNew();
        if (Append(rows[^Batch..].ToArray()) != 0)
        {
            throw new InvalidOperationException("The columnar table stored a retried batch again.");
        }
        var retryMs = retry.Elapsed.TotalMilliseconds;
        var lookups = new List<double>();
        foreach (var span in rows.Where((_, i) => i % (rows.Count / 20) == 7).Take(20))
        {
            var clock = Stopwatch.StartNew();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT * FROM spans WHERE trace_id = $trace ORDER BY start_unix_nano, span_id";
            command.Parameters.Add(new DuckDBParameter("trace", span.TraceId));
            using var reader = command.ExecuteReader();
            var found = 0;
            while (reader.Read())
            {
                found++;
            }
            lookups.Add(clock.Elapsed.TotalMilliseconds);
            if (found != 1)
            {
                throw new InvalidOperationException("The columnar table did not find a stored trace.");
            }
        }
        return new Measured(all, lastFifth, retryMs, Median(lookups), stored);
    }

    /// <summary>Writes the rows batch by batch; the overall rate, and the rate of the last fifth.</summary>
    private static async Task<(double All, double LastFifth)> TimeBatchesAsync(List<SpanRecord> rows, Func<SpanRecord[], Task<IReadOnlyList<WriteOutcome>>> write)
    {
        var (all, lastFifth, _) = await TimeBatchesAsync(rows, Batch, write);
        return (all, lastFifth);
    }

    /// <summary>Writes the rows in batches of the given size; the overall rate, the rate of the last fifth, and the slowest batch in ms.</summary>
    internal static async Task<(double All, double LastFifth, double SlowestMs)> TimeBatchesAsync(List<SpanRecord> rows, int size,
        Func<SpanRecord[], Task<IReadOnlyList<WriteOutcome>>> write)
    {
        var batches = rows.Chunk(size).ToList();
        var slowest = 0.0;
        var clock = Stopwatch.StartNew();
        var lastFifthFrom = batches.Count * 4 / 5;
        var lastFifthAt = TimeSpan.Zero;
        for (var i = 0; i < batches.Count; i++)
        {
            if (i == lastFifthFrom)
            {
                lastFifthAt = clock.Elapsed;
            }
            var started = Stopwatch.GetTimestamp();
            await write(batches[i]);
            slowest = Math.Max(slowest, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        var total = clock.Elapsed;
        var lastFifthSpans = batches.Skip(lastFifthFrom).Sum(b => b.Length);
        return (rows.Count / total.TotalSeconds, lastFifthSpans / (total - lastFifthAt).TotalSeconds, slowest);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>LiteLLM-shaped calls, each its own trace, start times rising as they would arrive.</summary>
    internal static List<SpanRecord> MakeSpans(int count)
    {
        var start = AgentRunService.ToUnixNano(DateTime.UtcNow.AddHours(-1));
        var spans = new List<SpanRecord>(count);
        for (var i = 0; i < count; i++)
        {
            var span = new SpanRecord
            {
                TraceId = AgentRunService.NewHexId(16),
                SpanId = AgentRunService.NewHexId(8),
                Name = "chat gpt-4o-mini",
                Kind = SpanKindCode.Client,
                ServiceName = "litellm",
                AgentId = "bench-agent-" + (i % 20),
                ProjectId = "default-project",
                StartTimeUnixNano = start + i * 1_000_000L,
                DurationNanos = 350_000_000,
                Status = i % 20 == 7 ? SpanStatusCode.Error : SpanStatusCode.Ok,
                Operation = "chat",
                Provider = "openai",
                RequestModel = "gpt-4o-mini",
                ResponseModel = "gpt-4o-mini",
                InputTokens = 120,
                OutputTokens = 40,
                Attributes = [new("gen_ai.operation.name", "chat"), new("metadata.agent_id", "bench-agent-" + (i % 20)), new("http.url", "http://litellm:4000/v1/chat/completions")],
                ResourceAttributes = [new("service.name", "litellm")],
            };
            span.PrepareForStorage();
            spans.Add(span);
        }
        return spans;
    }
}
