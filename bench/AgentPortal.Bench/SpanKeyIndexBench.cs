using System.Diagnostics;
using System.Globalization;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentPortal.Bench;

/// <summary>
/// Where the embedded store's write time goes as it grows: the same LiteLLM-shaped spans (each its own
/// trace, random ids) written with a full sync per commit, with the key on (trace id, span id) kept in
/// different ways. First the SQLite store as it is, in commits of 8,000 (what its writer commits under
/// load) up to 300,000 spans (what a journal in front of it would let it commit). Then one table of the
/// same rows written by the same loop three ways: with the key as the store keeps it (one B-tree on the
/// random ids), with no key at all (the ceiling: nothing random is written), and with the key kept in
/// levels (a small table taking the random inserts, merged in order into larger ones as it fills, each
/// span checked against every level), the shape of a log-structured index built on SQLite's own tables.
/// </summary>
internal static class SpanKeyIndexBench
{
    private const int StoreBatch = 8_000;
    private const int LevelZeroLimit = 65_536;
    private const int LevelRatio = 10;
    private const int Levels = 3;

    public static async Task<List<Figure>> RunAsync(string work, int spans)
    {
        var figures = new List<Figure>();
        var rows = SpanStoreDesignBench.MakeSpans(spans);
        foreach (var batch in new[] { StoreBatch, 32_000, 100_000, 300_000 })
        {
            var path = Path.Combine(work, $"keys-store-{batch}.db");
            await using var store = new SqliteTelemetryStore(path);
            await store.InitializeAsync(CancellationToken.None);
            var (all, lastFifth, slowest) = await SpanStoreDesignBench.TimeBatchesAsync(rows, batch,
                chunk => store.WriteBatchAsync([new TelemetryWrite.AppendSpans(chunk)], CancellationToken.None));
            figures.Add(new($"SQLite store, commits of {batch:N0}: all {spans:N0} / last fifth", Rate(all) + " / " + Rate(lastFifth)));
            figures.Add(new($"SQLite store, commits of {batch:N0}: slowest commit", Stats.Ms(slowest)));
        }
        foreach (var layout in Enum.GetValues<KeyLayout>())
        {
            var measured = Measure(Path.Combine(work, $"keys-{layout}.db"), rows, layout);
            figures.Add(new($"span table, key {Describe(layout)}: all / last fifth", Rate(measured.All) + " / " + Rate(measured.LastFifth)));
            if (layout == KeyLayout.Levels)
            {
                figures.Add(new($"span table, key {Describe(layout)}: time in merges", $"{measured.MergeSeconds:0.0} s of {measured.TotalSeconds:0.0} s"));
            }
            figures.Add(new($"span table, key {Describe(layout)}: spans stored", measured.Stored.ToString("N0", CultureInfo.InvariantCulture), spans.ToString("N0", CultureInfo.InvariantCulture)));
        }
        return figures;
    }

    private enum KeyLayout
    {
        BTree,
        None,
        Levels,
    }

    private sealed record Measured(double All, double LastFifth, double TotalSeconds, double MergeSeconds, long Stored);

    private static string Describe(KeyLayout layout) => layout switch
    {
        KeyLayout.BTree => "in one B-tree (as the store)",
        KeyLayout.None => "none (ceiling)",
        _ => $"in {Levels} levels ({LevelZeroLimit:N0} x {LevelRatio})",
    };

    private static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture) + " /s";

    private static Measured Measure(string path, List<SpanRecord> rows, KeyLayout layout)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        // The store's writer settings, so only the key differs.
        foreach (var pragma in new[] { "journal_mode = WAL", "synchronous = FULL", "cache_size = -65536", "wal_autocheckpoint = 10000" })
        {
            Execute(connection, null, "PRAGMA " + pragma);
        }
        const string columns = "trace_id TEXT NOT NULL, span_id TEXT NOT NULL, name TEXT NOT NULL, agent_id TEXT, start_unix_nano INTEGER NOT NULL, " +
            "duration_nanos INTEGER NOT NULL, status INTEGER NOT NULL, request_model TEXT, input_tokens INTEGER, output_tokens INTEGER, attributes TEXT";
        Execute(connection, null, layout == KeyLayout.BTree ? $"CREATE TABLE spans ({columns}, PRIMARY KEY (trace_id, span_id))" : $"CREATE TABLE spans ({columns})");
        for (var level = 0; level < Levels; level++)
        {
            Execute(connection, null, $"CREATE TABLE keys{level} (trace_id TEXT NOT NULL, span_id TEXT NOT NULL, row INTEGER NOT NULL, PRIMARY KEY (trace_id, span_id)) WITHOUT ROWID");
        }

        using var insert = Command(connection, "INSERT INTO spans VALUES ($trace, $span, $name, $agent, $start, $duration, $status, $model, $input, $output, $attributes)"
            + (layout == KeyLayout.BTree ? " ON CONFLICT DO NOTHING" : ""),
            "$trace", "$span", "$name", "$agent", "$start", "$duration", "$status", "$model", "$input", "$output", "$attributes");
        using var seen = Command(connection, string.Join(" OR ", Enumerable.Range(0, Levels).Select(l => $"EXISTS (SELECT 1 FROM keys{l} WHERE trace_id = $trace AND span_id = $span)")).Insert(0, "SELECT "),
            "$trace", "$span");
        using var key = Command(connection, "INSERT INTO keys0 VALUES ($trace, $span, last_insert_rowid())", "$trace", "$span");

        var sizes = new long[Levels];
        var merging = TimeSpan.Zero;
        long stored = 0;
        var clock = Stopwatch.StartNew();
        var lastFifthFrom = rows.Count * 4 / 5;
        var lastFifthAt = TimeSpan.Zero;
        for (var from = 0; from < rows.Count; from += StoreBatch)
        {
            if (from >= lastFifthFrom && lastFifthAt == TimeSpan.Zero)
            {
                lastFifthAt = clock.Elapsed;
            }
            using (var transaction = connection.BeginTransaction())
            {
                insert.Transaction = seen.Transaction = key.Transaction = transaction;
                foreach (var span in rows.Skip(from).Take(StoreBatch))
                {
                    if (layout == KeyLayout.Levels && Bind(seen, span.TraceId, span.SpanId).ExecuteScalar() is 1L)
                    {
                        continue;
                    }
                    Bind(insert, span.TraceId, span.SpanId, span.Name, span.AgentId, span.StartTimeUnixNano, span.DurationNanos, (int)span.Status,
                        span.RequestModel, span.InputTokens, span.OutputTokens, span.AttributesJson);
                    if (insert.ExecuteNonQuery() == 1)
                    {
                        stored++;
                        if (layout == KeyLayout.Levels)
                        {
                            Bind(key, span.TraceId, span.SpanId).ExecuteNonQuery();
                            sizes[0]++;
                        }
                    }
                }
                transaction.Commit();
            }
            if (layout == KeyLayout.Levels && sizes[0] >= LevelZeroLimit)
            {
                var started = Stopwatch.GetTimestamp();
                using var transaction = connection.BeginTransaction();
                // Each full level goes, in key order, into the next; the last level takes everything.
                for (var level = 0; level < Levels - 1 && sizes[level] >= LevelZeroLimit * Math.Pow(LevelRatio, level); level++)
                {
                    Execute(connection, transaction, $"INSERT INTO keys{level + 1} SELECT * FROM keys{level} ORDER BY trace_id, span_id; DELETE FROM keys{level};");
                    sizes[level + 1] += sizes[level];
                    sizes[level] = 0;
                }
                transaction.Commit();
                merging += Stopwatch.GetElapsedTime(started);
            }
        }
        var total = clock.Elapsed;
        return new Measured(rows.Count / total.TotalSeconds, (rows.Count - lastFifthFrom) / (total - lastFifthAt).TotalSeconds, total.TotalSeconds, merging.TotalSeconds, stored);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        command.Prepare();
        return command;
    }

    private static SqliteCommand Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        return command;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
