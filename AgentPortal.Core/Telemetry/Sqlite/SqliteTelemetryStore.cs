using System.Text;
using System.Text.Json;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using AgentPortal.Core.Telemetry.Retention;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Telemetry.Sqlite;

/// <summary>
/// The embedded telemetry store: one SQLite file in WAL mode. One connection writes (batches from
/// <see cref="TelemetryWriter"/>, committed with a full sync), readers use their own connections.
/// Every value goes through SQL parameters.
/// </summary>
public sealed class SqliteTelemetryStore(string databasePath) : ITelemetryStore, IAsyncDisposable
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly RollupAccumulator _rollup = new();
    private SqliteConnection? _writer;
    private WriterStatements? _statements;

    public string Name => "telemetry-sqlite";

    public string DatabasePath { get; } = databasePath;

    /// <summary>The telemetry database's name in migration messages and <c>migrate --status</c>.</summary>
    public const string DatabaseName = "telemetry";

    public Task InitializeAsync(CancellationToken cancellationToken) => MigrateAsync(retryInterrupted: false, cancellationToken);

    /// <summary>Applies pending schema migrations (see <see cref="SchemaMigrations"/>), then turns on WAL.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(bool retryInterrupted, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> applied;
        await using (var db = CreateSchemaContext())
        {
            // One process owns the embedded file, so there is no other replica to wait for.
            applied = await SchemaMigrations.ApplyAsync(db, DatabaseName, TimeProvider.System, retryInterrupted, TimeSpan.Zero, cancellationToken);
        }
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken);
        return applied;
    }

    public async Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = CreateSchemaContext();
        return await SchemaMigrations.GetStatusAsync(db, DatabaseName, cancellationToken);
    }

    private TelemetryDbContext CreateSchemaContext() =>
        new(new DbContextOptionsBuilder<TelemetryDbContext>().UseSqlite(_connectionString).Options);

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM __EFMigrationsHistory;";
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var statements = await GetWriterAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await _writer!.BeginTransactionAsync(cancellationToken);
            statements.Enlist(transaction);
            _rollup.Clear();
            var outcomes = new WriteOutcome[writes.Count];
            for (var i = 0; i < writes.Count; i++)
            {
                outcomes[i] = writes[i] switch
                {
                    TelemetryWrite.StartRun start => statements.StartRun(start.Run),
                    TelemetryWrite.EndRun end => statements.EndRun(end.End, _rollup),
                    TelemetryWrite.AppendSpans append => statements.AppendSpans(append.Spans, append.Runs, _rollup),
                    TelemetryWrite.CloseTimedOutRuns close => statements.CloseTimedOut(close, _rollup),
                    _ => throw new NotSupportedException(writes[i].GetType().Name),
                };
                // Each write's span keys are one segment, so the next write in the batch finds them.
                statements.Keys.Flush();
            }
            statements.FlushRollup(_rollup);
            await transaction.CommitAsync(cancellationToken);
            await MergeKeySegmentsAsync(statements, cancellationToken);
            return outcomes;
        }
        catch
        {
            // A failed batch leaves the connection in an unknown state: start the next one afresh.
            await ResetWriterAsync();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // Retention picks the rows to delete on a reader connection, oldest first by rowid (the order rows
    // were written in), so the scan never holds the writer; the writer then deletes just those rowids,
    // re-checking the cut-off, in one short transaction between ingestion batches.
    private static readonly (string Table, string TimeColumn, bool Rollup)[] s_retained =
    [
        ("spans", "start_unix_nano", false),
        ("runs", "started_unix_nano", false),
        ("usage_hourly", "hour_unix", true),
        ("run_duration_hourly", "hour_unix", true),
    ];

    public async Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken)
    {
        var rollupHour = request.RollupsBeforeUnixNano / 1_000_000_000;
        var picked = new List<(string Table, string TimeColumn, long Cutoff, List<long> RowIds)>();
        await using (var reader = await OpenAsync(cancellationToken))
        {
            foreach (var (table, column, rollup) in s_retained)
            {
                var cutoff = rollup ? rollupHour : request.SpansBeforeUnixNano;
                await using var select = reader.CreateCommand();
                select.CommandText = $"SELECT rowid FROM {table} WHERE {column} < $cutoff ORDER BY rowid LIMIT $limit;";
                select.Parameters.AddWithValue("$cutoff", cutoff);
                select.Parameters.AddWithValue("$limit", request.BatchSize);
                var ids = new List<long>();
                await using var rows = await select.ExecuteReaderAsync(cancellationToken);
                while (await rows.ReadAsync(cancellationToken))
                {
                    ids.Add(rows.GetInt64(0));
                }
                picked.Add((table, column, cutoff, ids));
            }
        }
        if (picked.All(p => p.RowIds.Count == 0))
        {
            return new PurgeOutcome(0, 0, 0, Done: true, "batched deletes");
        }

        var deleted = new long[picked.Count];
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var statements = await GetWriterAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await _writer!.BeginTransactionAsync(cancellationToken);
            for (var i = 0; i < picked.Count; i++)
            {
                var (table, column, cutoff, ids) = picked[i];
                if (ids.Count == 0)
                {
                    continue;
                }
                await using var delete = _writer.CreateCommand();
                delete.Transaction = transaction;
                delete.CommandText = $"DELETE FROM {table} WHERE rowid IN (SELECT value FROM json_each($ids)) AND {column} < $cutoff;";
                delete.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
                delete.Parameters.AddWithValue("$cutoff", cutoff);
                deleted[i] = await delete.ExecuteNonQueryAsync(cancellationToken);
            }
            statements.Keys.DropDeleted(transaction);
            await transaction.CommitAsync(cancellationToken);
            statements.Keys.Load();
        }
        catch
        {
            await ResetWriterAsync();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
        var done = picked.All(p => p.RowIds.Count < request.BatchSize);
        return new PurgeOutcome(deleted[0], deleted[1], deleted[2] + deleted[3], done, "batched deletes");
    }

    public async Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        async Task<long> ScalarAsync(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        var pageSize = await ScalarAsync("PRAGMA page_size;");
        var used = (await ScalarAsync("PRAGMA page_count;") - await ScalarAsync("PRAGMA freelist_count;")) * pageSize;
        var tables = new List<TableStats>();
        foreach (var (table, _, _) in s_retained)
        {
            tables.Add(new TableStats(table, await ScalarAsync($"SELECT COUNT(*) FROM {table};"), null));
        }
        DateTime? oldest = null, newest = null;
        await using (var range = connection.CreateCommand())
        {
            range.CommandText = "SELECT MIN(start_unix_nano), MAX(start_unix_nano) FROM spans;";
            await using var reader = await range.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                oldest = AgentRunService.FromUnixNano(reader.GetInt64(0));
                newest = AgentRunService.FromUnixNano(reader.GetInt64(1));
            }
        }
        var bytes = new[] { DatabasePath, DatabasePath + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return new TelemetryStoreStats(Name, DatabasePath, bytes, used, tables, oldest, newest);
    }

    public async IAsyncEnumerable<object?[]> ExportRowsAsync(Data.Export.TelemetryTable table, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // Table and column names come from TelemetryTables, never from input.
        command.CommandText = $"SELECT {table.ColumnList} FROM {table.Name} ORDER BY rowid;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object?[table.Columns.Count];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : table.Columns[i].Kind switch
                {
                    Data.Export.ColumnKind.Int => reader.GetInt64(i),
                    Data.Export.ColumnKind.Real => reader.GetDouble(i),
                    Data.Export.ColumnKind.Bool => reader.GetBoolean(i),
                    _ => reader.GetString(i),
                };
            }
            yield return row;
        }
    }

    public async Task ImportRowsAsync(Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var statements = await GetWriterAsync(cancellationToken);
            await using var transaction = (SqliteTransaction)await _writer!.BeginTransactionAsync(cancellationToken);
            await using var insert = _writer.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = $"INSERT INTO {table.Name} ({table.ColumnList}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => "$c" + i))});";
            var parameters = table.Columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter("$c" + i, null))).ToArray();
            foreach (var row in rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = row[i] ?? DBNull.Value;
                }
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            if (table.Name == Data.Export.TelemetryTables.Spans.Name)
            {
                statements.Keys.IndexUnindexed(transaction);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch
        {
            await ResetWriterAsync();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE trace_id = $trace_id;";
        command.Parameters.AddWithValue("$trace_id", traceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadRun(reader) : null;
    }

    public async Task<IReadOnlyList<RunRecord>> GetRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        if (traceIds.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RunColumns} FROM runs WHERE trace_id IN (SELECT value FROM json_each($trace_ids));";
        command.Parameters.AddWithValue("$trace_ids", System.Text.Json.JsonSerializer.Serialize(traceIds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var runs = new List<RunRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(ReadRun(reader));
        }
        return runs;
    }

    public async Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT trace_id, span_id, parent_span_id, name, kind, service_name, agent_id, project_id, start_unix_nano,
                   duration_nanos, status, status_message, operation, provider, request_model, response_model,
                   input_tokens, output_tokens, cached_input_tokens, is_run_root, attributes, resource_attributes, events, links
            FROM spans WHERE seq IN ({SpanKeySegmentsSchema.SeqsWhere("k.trace_id = $trace_id")}) ORDER BY start_unix_nano, span_id;
            """;
        command.Parameters.AddWithValue("$trace_id", traceId);
        var spans = new List<SpanRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            spans.Add(new SpanRecord
            {
                TraceId = reader.GetString(0),
                SpanId = reader.GetString(1),
                ParentSpanId = NullableString(reader, 2),
                Name = reader.GetString(3),
                Kind = (SpanKindCode)reader.GetInt32(4),
                ServiceName = NullableString(reader, 5),
                AgentId = NullableString(reader, 6),
                ProjectId = NullableString(reader, 7),
                StartTimeUnixNano = reader.GetInt64(8),
                DurationNanos = reader.GetInt64(9),
                Status = (SpanStatusCode)reader.GetInt32(10),
                StatusMessage = NullableString(reader, 11),
                Operation = NullableString(reader, 12),
                Provider = NullableString(reader, 13),
                RequestModel = NullableString(reader, 14),
                ResponseModel = NullableString(reader, 15),
                InputTokens = reader.IsDBNull(16) ? null : reader.GetInt64(16),
                OutputTokens = reader.IsDBNull(17) ? null : reader.GetInt64(17),
                CachedInputTokens = reader.IsDBNull(18) ? null : reader.GetInt64(18),
                IsRunRoot = reader.GetBoolean(19),
                Attributes = SpanJson.ReadAttributes(NullableString(reader, 20)),
                ResourceAttributes = SpanJson.ReadAttributes(NullableString(reader, 21)),
                Events = SpanJson.ReadEvents(NullableString(reader, 22)),
                Links = SpanJson.ReadLinks(NullableString(reader, 23)),
            });
        }
        return spans;
    }

    public async Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var where = new StringBuilder("WHERE 1 = 1");
        await using var count = connection.CreateCommand();
        await using var list = connection.CreateCommand();
        void Add(string clause, string name, object value)
        {
            where.Append(" AND ").Append(clause);
            count.Parameters.AddWithValue(name, value);
            list.Parameters.AddWithValue(name, value);
        }
        if (request.AgentId is not null)
        {
            Add("agent_id = $agent_id", "$agent_id", request.AgentId);
        }
        if (request.From is { } from)
        {
            Add("started_unix_nano >= $from", "$from", ToUnixNano(from));
        }
        if (request.To is { } to)
        {
            Add("started_unix_nano < $to", "$to", ToUnixNano(to));
        }
        if (request.Status is { } status)
        {
            Add("status = $status", "$status", (int)status);
        }
        if (!string.IsNullOrWhiteSpace(request.Text))
        {
            Add("(instr(lower(coalesce(input, '')), $text) > 0 OR instr(lower(coalesce(output, '')), $text) > 0 OR instr(lower(coalesce(error, '')), $text) > 0)",
                "$text", request.Text.Trim().ToLowerInvariant());
        }
        if (!string.IsNullOrWhiteSpace(request.Model))
        {
            Add($"EXISTS (SELECT 1 FROM spans s WHERE s.seq IN ({s_runSpanSeqs}) AND (s.request_model = $model OR s.response_model = $model))",
                "$model", request.Model.Trim());
        }
        if (!string.IsNullOrWhiteSpace(request.SpanName))
        {
            Add($"(instr(lower(agent_name), $span_name) > 0 OR EXISTS (SELECT 1 FROM spans s WHERE s.seq IN ({s_runSpanSeqs}) AND instr(lower(s.name), $span_name) > 0))",
                "$span_name", request.SpanName.Trim().ToLowerInvariant());
        }

        if (!string.IsNullOrWhiteSpace(request.Session))
        {
            Add(AttributeMatch(GenAiAttributes.SessionIds, "session_id", "$session"), "$session", request.Session.Trim());
        }
        if (!string.IsNullOrWhiteSpace(request.User))
        {
            Add(AttributeMatch(GenAiAttributes.UserIds, "user_id", "$user"), "$user", request.User.Trim());
        }

        count.CommandText = $"SELECT COUNT(*) FROM runs {where};";
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken));
        list.CommandText = $"SELECT {RunColumns} FROM runs {where} ORDER BY started_unix_nano DESC, trace_id LIMIT $limit OFFSET $offset;";
        list.Parameters.AddWithValue("$limit", request.PageSize);
        list.Parameters.AddWithValue("$offset", (request.Page - 1) * request.PageSize);
        var runs = new List<RunRecord>();
        await using var reader = await list.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(ReadRun(reader));
        }
        return new PagedResult<RunRecord>(runs, total, request.Page, request.PageSize);
    }

    /// <summary>The seqs of the spans of the run the outer query is at.</summary>
    private static readonly string s_runSpanSeqs = SpanKeySegmentsSchema.SeqsWhere("k.trace_id = runs.trace_id");

    /// <summary>
    /// A run with a span whose attribute is the parameter's value, or started with it in its metadata.
    /// The attribute names are the portal's constants, written as JSON paths.
    /// </summary>
    private static string AttributeMatch(IEnumerable<string> attributes, string metadataKey, string parameter) =>
        $"(json_extract(runs.metadata, '$.{metadataKey}') = {parameter} OR EXISTS (SELECT 1 FROM spans s WHERE s.seq IN ({s_runSpanSeqs}) AND {parameter} IN ("
        + string.Join(", ", attributes.Select(a => $"json_extract(s.attributes, '$.\"{a}\"')")) + ")))";

    public async Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (fromHour, toHour) = RunSpans.RollupRange(from, to);
        await using var totals = connection.CreateCommand();
        totals.CommandText = """
            SELECT coalesce(sum(runs), 0), coalesce(sum(run_errors), 0), coalesce(sum(llm_calls), 0),
                   coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(llm_errors), 0)
            FROM usage_hourly WHERE agent_id = $agent_id AND hour_unix >= $from AND hour_unix < $to;
            """;
        AddRange(totals, agentId, fromHour, toHour);
        long runs, errors, calls, input, output, llmErrors;
        await using (var reader = await totals.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (runs, errors, calls, input, output, llmErrors) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
        }

        var histogram = await ReadHistogramAsync(connection, agentId, fromHour, toHour, cancellationToken);
        var buckets = histogram.SelectMany(h => h.Value).GroupBy(b => b.Bucket).Select(g => (g.Key, g.Sum(b => b.Count))).ToList();
        return new AgentUsage(agentId, runs, calls, errors, input, output,
            DurationHistogram.Quantile(buckets, 0.5), DurationHistogram.Quantile(buckets, 0.95), llmErrors);
    }

    public async Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (fromHour, toHour) = RunSpans.RollupRange(from, to);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT hour_unix, sum(runs), sum(run_errors), sum(llm_calls), sum(input_tokens), sum(output_tokens)
            FROM usage_hourly WHERE agent_id = $agent_id AND hour_unix >= $from AND hour_unix < $to
            GROUP BY hour_unix ORDER BY hour_unix;
            """;
        AddRange(command, agentId, fromHour, toHour);
        var rows = new List<(long Hour, long Runs, long Errors, long Calls, long Input, long Output)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }
        var histogram = await ReadHistogramAsync(connection, agentId, fromHour, toHour, cancellationToken);
        return [.. rows.Select(r =>
        {
            var buckets = histogram.GetValueOrDefault(r.Hour) ?? [];
            return new HourlyUsage(DateTime.UnixEpoch.AddSeconds(r.Hour), r.Runs, r.Errors, r.Calls, r.Input, r.Output,
                DurationHistogram.Quantile(buckets, 0.5), DurationHistogram.Quantile(buckets, 0.95));
        })];
    }

    public async Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (fromHour, toHour) = RunSpans.RollupRange(from, to);
        var usage = new List<UsageAggregation.UsageRow>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT agent_id, hour_unix, model, runs, run_errors, llm_calls, input_tokens, output_tokens, cached_input_tokens, reported_cost, llm_errors
                FROM usage_hourly WHERE hour_unix >= $from AND hour_unix < $to;
                """;
            command.Parameters.AddWithValue("$from", fromHour);
            command.Parameters.AddWithValue("$to", toHour);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                usage.Add(new(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
                    reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetDouble(9), reader.GetInt64(10)));
            }
        }
        var durations = new List<(string, int, long)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT agent_id, bucket, sum(count) FROM run_duration_hourly WHERE hour_unix >= $from AND hour_unix < $to GROUP BY agent_id, bucket;";
            command.Parameters.AddWithValue("$from", fromHour);
            command.Parameters.AddWithValue("$to", toHour);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                durations.Add((reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)));
            }
        }
        return UsageAggregation.ByAgent(usage, durations);
    }

    public async Task<IReadOnlyList<Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        var (fromHour, toHour) = RunSpans.RollupRange(from, to);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT hour_unix, model, llm_calls, input_tokens, output_tokens, cached_input_tokens, reported_cost
            FROM usage_hourly WHERE agent_id = $agent_id AND hour_unix >= $from AND hour_unix < $to AND llm_calls > 0
            ORDER BY hour_unix, model;
            """;
        AddRange(command, agentId, fromHour, toHour);
        var rows = new List<Pricing.ModelUsage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Pricing.ModelUsage(DateTime.UnixEpoch.AddSeconds(reader.GetInt64(0)), reader.GetString(1), reader.GetInt64(2),
                reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetDouble(6)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        if (traceIds.Count == 0)
        {
            return [];
        }
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT trace_id, start_unix_nano / 3600000000000 * 3600 AS hour_unix, {RunSpans.ModelSql} AS model, count(*),
                   coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(cached_input_tokens), 0)
            FROM spans WHERE seq IN ({SpanKeySegmentsSchema.SeqsWhere("k.trace_id IN (SELECT value FROM json_each($trace_ids))")}) AND {RunSpans.IsLlmCallSql}
            GROUP BY trace_id, hour_unix, model ORDER BY trace_id, hour_unix, model;
            """;
        command.Parameters.AddWithValue("$trace_ids", JsonSerializer.Serialize(traceIds));
        var rows = new List<RunModelUsage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new RunModelUsage(reader.GetString(0), new Pricing.ModelUsage(DateTime.UnixEpoch.AddSeconds(reader.GetInt64(1)), reader.GetString(2),
                reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), 0)));
        }
        return rows;
    }

    /// <summary>
    /// SQLite returns the bare trace_id column from the row that holds max(start_unix_nano). The status
    /// condition is the failed-spans index's own, written out, so the planner can use that index.
    /// </summary>
    internal const string TopErrorsSql = $"""
        SELECT name, coalesce(status_message, ''), max(is_run_root), count(*), max(start_unix_nano), trace_id FROM spans
        WHERE agent_id = $agent_id AND {TelemetryDbContext.ErrorSpansFilter} AND start_unix_nano >= $from AND start_unix_nano < $to
        GROUP BY name, coalesce(status_message, '') ORDER BY count(*) DESC, max(start_unix_nano) DESC LIMIT $limit;
        """;

    public async Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = TopErrorsSql;
        command.Parameters.AddWithValue("$agent_id", agentId);
        command.Parameters.AddWithValue("$from", ToUnixNano(from));
        command.Parameters.AddWithValue("$to", ToUnixNano(to));
        command.Parameters.AddWithValue("$limit", limit);
        var groups = new List<ErrorGroup>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(ErrorGroup.Of(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5)));
        }
        return groups;
    }

    public async Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $$"""
            SELECT coalesce(json_extract(attributes, '$."user.id"'), '') AS caller, start_unix_nano / 3600000000000 * 3600 AS hour, {{RunSpans.ModelSql}} AS model,
                   count(*), sum(coalesce(input_tokens, 0)), sum(coalesce(output_tokens, 0)), sum(coalesce(cached_input_tokens, 0))
            FROM spans
            WHERE start_unix_nano >= $from AND start_unix_nano < $to AND {{RunSpans.IsLlmCallSql}} AND ($project IS NULL OR project_id = $project)
            GROUP BY caller, hour, model;
            """;
        command.Parameters.AddWithValue("$from", ToUnixNano(from));
        command.Parameters.AddWithValue("$to", ToUnixNano(to));
        command.Parameters.AddWithValue("$project", (object?)projectId ?? DBNull.Value);
        var usage = new List<UserModelUsage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            usage.Add(new UserModelUsage(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "", new Pricing.ModelUsage(
                DateTime.UnixEpoch.AddSeconds(reader.GetInt64(1)), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), 0)));
        }
        return usage;
    }

    public async ValueTask DisposeAsync()
    {
        await ResetWriterAsync();
        _writeLock.Dispose();
    }

    internal const string RunColumns = "trace_id, span_id, agent_id, project_id, started_unix_nano, ended_unix_nano, status, error, input, output, metadata, llm_calls, input_tokens, output_tokens";

    internal static RunRecord ReadRun(SqliteDataReader reader) => new()
    {
        TraceId = reader.GetString(0),
        SpanId = reader.GetString(1),
        AgentId = reader.GetString(2),
        ProjectId = reader.GetString(3),
        StartedUnixNano = reader.GetInt64(4),
        EndedUnixNano = reader.IsDBNull(5) ? null : reader.GetInt64(5),
        Status = (RunStatus)reader.GetInt32(6),
        Error = NullableString(reader, 7),
        Input = NullableString(reader, 8),
        Output = NullableString(reader, 9),
        Metadata = NullableString(reader, 10),
        LlmCalls = reader.GetInt64(11),
        InputTokens = reader.GetInt64(12),
        OutputTokens = reader.GetInt64(13),
    };

    internal static long ToUnixNano(DateTime time) => (time.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100;

    private static void AddRange(SqliteCommand command, string agentId, long fromHour, long toHour)
    {
        command.Parameters.AddWithValue("$agent_id", agentId);
        command.Parameters.AddWithValue("$from", fromHour);
        command.Parameters.AddWithValue("$to", toHour);
    }

    private static async Task<Dictionary<long, List<(int Bucket, long Count)>>> ReadHistogramAsync(
        SqliteConnection connection, string agentId, long fromHour, long toHour, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT hour_unix, bucket, count FROM run_duration_hourly WHERE agent_id = $agent_id AND hour_unix >= $from AND hour_unix < $to;";
        AddRange(command, agentId, fromHour, toHour);
        var result = new Dictionary<long, List<(int, long)>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var hour = reader.GetInt64(0);
            if (!result.TryGetValue(hour, out var list))
            {
                result[hour] = list = [];
            }
            list.Add((reader.GetInt32(1), reader.GetInt64(2)));
        }
        return result;
    }

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<WriterStatements> GetWriterAsync(CancellationToken cancellationToken)
    {
        if (_statements is not null)
        {
            return _statements;
        }
        _writer = await OpenAsync(cancellationToken);
        // FULL: a commit is on disk before callers are told their write is stored.
        await ExecuteAsync(_writer, "PRAGMA synchronous = FULL;", cancellationToken);
        // Spans arrive with random trace ids, so a batch touches pages all over the span key index.
        // A 64 MiB page cache keeps that index in memory instead of re-reading it for every batch,
        // and checkpointing every 10,000 pages (about 40 MiB of log) rather than SQLite's 1,000 lets a
        // page changed by many batches be copied into the database once. Together they took in-process
        // OTLP ingest from about 32,000 to 49,000 spans/s (bench/README.md). The log file is cut back
        // to 64 MiB after a checkpoint so a burst does not leave it large.
        await ExecuteAsync(_writer, "PRAGMA cache_size = -65536;", cancellationToken);
        await ExecuteAsync(_writer, "PRAGMA wal_autocheckpoint = 10000;", cancellationToken);
        await ExecuteAsync(_writer, "PRAGMA journal_size_limit = 67108864;", cancellationToken);
        _statements = new WriterStatements(_writer);
        return _statements;
    }

    /// <summary>
    /// Merges trace-id segments after a committed batch, each merge its own transaction, so a failed
    /// merge never takes back the batch it follows: the writer is reset (its segment list re-read) and
    /// the next batch tries again, or reports what is wrong with the database.
    /// </summary>
    private async Task MergeKeySegmentsAsync(WriterStatements statements, CancellationToken cancellationToken)
    {
        try
        {
            while (statements.Keys.NextMerge() is { } ids)
            {
                await using var transaction = (SqliteTransaction)await _writer!.BeginTransactionAsync(cancellationToken);
                statements.Keys.Merge(ids, transaction);
                await transaction.CommitAsync(cancellationToken);
            }
        }
        catch (Exception e) when (e is SqliteException or OperationCanceledException)
        {
            await ResetWriterAsync();
        }
    }

    private async Task ResetWriterAsync()
    {
        _statements?.Dispose();
        _statements = null;
        if (_writer is not null)
        {
            await _writer.DisposeAsync();
            _writer = null;
        }
    }
}
