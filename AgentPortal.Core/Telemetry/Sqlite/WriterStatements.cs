using Microsoft.Data.Sqlite;

namespace AgentPortal.Core.Telemetry.Sqlite;

/// <summary>The writer connection's prepared statements; one instance per connection, used by one batch at a time.</summary>
internal sealed class WriterStatements : IDisposable
{
    private readonly SqliteCommand _startRun;
    private readonly SqliteCommand _findRun;
    private readonly SqliteCommand _endRun;
    private readonly SpanInsertStatement _insertSpan;
    private readonly SqliteCommand _countLlmCall;
    private readonly SqliteCommand _runsAmong;
    private readonly SqliteCommand _observeRun;
    private readonly SqliteCommand _timedOutRuns;
    private readonly SqliteCommand _upsertUsage;
    private readonly SqliteCommand _upsertDuration;
    private readonly SqliteCommand[] _all;

    /// <summary>The trace-id segments of the spans this connection stores.</summary>
    public SpanKeySegments Keys { get; }

    public WriterStatements(SqliteConnection connection)
    {
        _startRun = Create(connection, """
            INSERT INTO runs (trace_id, span_id, agent_id, project_id, agent_name, started_unix_nano, status, input, metadata, llm_calls, input_tokens, output_tokens)
            VALUES ($trace_id, $span_id, $agent_id, $project_id, $agent_name, $started, 0, $input, $metadata, 0, 0, 0)
            ON CONFLICT (trace_id) DO NOTHING;
            """, "$trace_id", "$span_id", "$agent_id", "$project_id", "$agent_name", "$started", "$input", "$metadata");
        _findRun = Create(connection, $"SELECT {SqliteTelemetryStore.RunColumns}, agent_name FROM runs WHERE trace_id = $trace_id;", "$trace_id");
        _endRun = Create(connection, """
            UPDATE runs SET ended_unix_nano = max($ended, started_unix_nano), status = $status, error = $error, output = $output
            WHERE trace_id = $trace_id AND agent_id = $agent_id AND status = 0
            RETURNING span_id, project_id, agent_name, started_unix_nano, ended_unix_nano, input, metadata, llm_calls, input_tokens, output_tokens;
            """, "$trace_id", "$agent_id", "$ended", "$status", "$error", "$output");
        _insertSpan = new SpanInsertStatement(connection);
        _countLlmCall = Create(connection, """
            UPDATE runs SET llm_calls = llm_calls + 1, input_tokens = input_tokens + $input_tokens, output_tokens = output_tokens + $output_tokens
            WHERE trace_id = $trace_id;
            """, "$trace_id", "$input_tokens", "$output_tokens");
        // Which of a batch's trace ids are agent runs, in one statement instead of one update per span.
        _runsAmong = Create(connection, "SELECT trace_id FROM runs WHERE trace_id IN (SELECT value FROM json_each($trace_ids));", "$trace_ids");
        // A run seen in OpenTelemetry arrives finished; the trace's LLM calls stored before its root span count in it.
        _observeRun = Create(connection, $$"""
            INSERT INTO runs (trace_id, span_id, agent_id, project_id, agent_name, started_unix_nano, ended_unix_nano, status, error, input, output, metadata,
                              llm_calls, input_tokens, output_tokens)
            SELECT $trace_id, $span_id, $agent_id, $project_id, $agent_name, $started, $ended, $status, $error, $input, $output, NULL,
                   count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0)
            FROM spans WHERE seq IN ({{SpanKeySegmentsSchema.SeqsWhere("k.trace_id = $trace_id")}}) AND {{RunSpans.IsLlmCallSql}}
            ON CONFLICT (trace_id) DO NOTHING;
            """, "$trace_id", "$span_id", "$agent_id", "$project_id", "$agent_name", "$started", "$ended", "$status", "$error", "$input", "$output");
        _timedOutRuns = Create(connection, "SELECT trace_id, agent_id FROM runs WHERE status = 0 AND started_unix_nano < $before ORDER BY started_unix_nano LIMIT 10000;", "$before");
        _upsertUsage = Create(connection, """
            INSERT INTO usage_hourly (agent_id, hour_unix, model, runs, run_errors, llm_calls, llm_errors, input_tokens, output_tokens, cached_input_tokens, reported_cost)
            VALUES ($agent_id, $hour, $model, $runs, $run_errors, $llm_calls, $llm_errors, $input_tokens, $output_tokens, $cached_input_tokens, $reported_cost)
            ON CONFLICT (agent_id, hour_unix, model) DO UPDATE SET
                runs = runs + excluded.runs, run_errors = run_errors + excluded.run_errors,
                llm_calls = llm_calls + excluded.llm_calls, llm_errors = llm_errors + excluded.llm_errors,
                input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
                cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
                reported_cost = reported_cost + excluded.reported_cost;
            """, "$agent_id", "$hour", "$model", "$runs", "$run_errors", "$llm_calls", "$llm_errors", "$input_tokens", "$output_tokens", "$cached_input_tokens", "$reported_cost");
        _upsertDuration = Create(connection, """
            INSERT INTO run_duration_hourly (agent_id, hour_unix, bucket, count) VALUES ($agent_id, $hour, $bucket, $count)
            ON CONFLICT (agent_id, hour_unix, bucket) DO UPDATE SET count = count + excluded.count;
            """, "$agent_id", "$hour", "$bucket", "$count");
        Keys = new SpanKeySegments(connection);
        _all = [_startRun, _findRun, _endRun, _countLlmCall, _runsAmong, _observeRun, _timedOutRuns, _upsertUsage, _upsertDuration];
    }

    public void Enlist(SqliteTransaction transaction)
    {
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }
        Keys.Enlist(transaction);
    }

    public WriteOutcome StartRun(RunStart run)
    {
        Set(_startRun, run.TraceId, run.SpanId, run.AgentId, run.ProjectId, run.AgentName, run.StartedUnixNano, run.Input, run.Metadata);
        return _startRun.ExecuteNonQuery() == 1
            ? WriteOutcome.Done(1)
            : new WriteOutcome(WriteOutcomeKind.Conflict, $"A run with trace_id '{run.TraceId}' already exists; send a new trace_id or none to have one made.");
    }

    public WriteOutcome EndRun(RunEnd end, RollupAccumulator rollup)
    {
        // One statement on the common path; only a refused end reads the run to say why.
        if (TryClose(end.TraceId, end.AgentId, end.EndedUnixNano, end.Status, end.Output, end.Error, rollup) is { } closed)
        {
            return closed;
        }
        var found = FindRun(end.TraceId);
        if (found is null || found.Value.Run.AgentId != end.AgentId)
        {
            return new WriteOutcome(WriteOutcomeKind.NotFound, $"This agent has no run with trace_id '{end.TraceId}'. Start one with POST /agents/{{id}}/trace/start.");
        }
        return new WriteOutcome(WriteOutcomeKind.Conflict, $"The run '{end.TraceId}' already ended with status {found.Value.Run.Status.ToWire()}.");
    }

    public WriteOutcome AppendSpans(IReadOnlyList<SpanRecord> spans, IReadOnlyList<ObservedRun>? runs, RollupAccumulator rollup)
    {
        var runTraces = RunsAmong(spans);
        foreach (var (run, agentName) in runs ?? [])
        {
            Set(_observeRun, run.TraceId, run.SpanId, run.AgentId, run.ProjectId, agentName, run.StartedUnixNano, run.EndedUnixNano, (int)run.Status, run.Error,
                run.Input, run.Output);
            if (_observeRun.ExecuteNonQuery() == 1)
            {
                rollup.AddRun(run.AgentId, run.StartedUnixNano, run.DurationNanos ?? 0, run.Status == RunStatus.Error);
                runTraces.Add(run.TraceId);
            }
        }
        var inserted = 0;
        foreach (var span in spans)
        {
            var seq = _insertSpan.Insert(span);
            if (seq == 0)
            {
                continue;
            }
            Keys.Add(seq);
            inserted++;
            if (!span.IsLlmCall)
            {
                continue;
            }
            if (runTraces.Contains(span.TraceId))
            {
                Set(_countLlmCall, span.TraceId, span.InputTokens ?? 0, span.OutputTokens ?? 0);
                _countLlmCall.ExecuteNonQuery();
            }
            rollup.AddLlmCall(span);
        }
        return WriteOutcome.Done(inserted);
    }

    private HashSet<string> RunsAmong(IReadOnlyList<SpanRecord> spans)
    {
        var candidates = spans.Where(s => s.IsLlmCall).Select(s => s.TraceId).Distinct().ToList();
        var runs = new HashSet<string>(StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return runs;
        }
        Set(_runsAmong, System.Text.Json.JsonSerializer.Serialize(candidates));
        using var reader = _runsAmong.ExecuteReader();
        while (reader.Read())
        {
            runs.Add(reader.GetString(0));
        }
        return runs;
    }

    public WriteOutcome CloseTimedOut(TelemetryWrite.CloseTimedOutRuns close, RollupAccumulator rollup)
    {
        Set(_timedOutRuns, close.StartedBeforeUnixNano);
        var traceIds = new List<(string TraceId, string AgentId)>();
        using (var reader = _timedOutRuns.ExecuteReader())
        {
            while (reader.Read())
            {
                traceIds.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        foreach (var (traceId, agentId) in traceIds)
        {
            TryClose(traceId, agentId, close.NowUnixNano, RunStatus.Error, null, close.Reason, rollup);
        }
        return WriteOutcome.Done(traceIds.Count);
    }

    public void FlushRollup(RollupAccumulator rollup)
    {
        foreach (var ((agentId, hour, model), delta) in rollup.Usage)
        {
            Set(_upsertUsage, agentId, hour, model, delta.Runs, delta.RunErrors, delta.LlmCalls, delta.LlmErrors, delta.InputTokens, delta.OutputTokens, delta.CachedInputTokens, delta.ReportedCost);
            _upsertUsage.ExecuteNonQuery();
        }
        foreach (var ((agentId, hour, bucket), count) in rollup.RunDurations)
        {
            Set(_upsertDuration, agentId, hour, bucket, count);
            _upsertDuration.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        _insertSpan.Dispose();
        Keys.Dispose();
        foreach (var command in _all)
        {
            command.Dispose();
        }
    }

    /// <summary>Ends a running run of this agent; null when there is none (unknown, another agent's, or already ended).</summary>
    private WriteOutcome? TryClose(string traceId, string agentId, long endedUnixNano, RunStatus status, string? output, string? error, RollupAccumulator rollup)
    {
        var preview = RunSpans.Preview(output);
        Set(_endRun, traceId, agentId, endedUnixNano, (int)status, error, preview);
        RunRecord closed;
        string agentName;
        using (var reader = _endRun.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }
            agentName = reader.GetString(2);
            closed = new RunRecord
            {
                TraceId = traceId,
                SpanId = reader.GetString(0),
                AgentId = agentId,
                ProjectId = reader.GetString(1),
                StartedUnixNano = reader.GetInt64(3),
                EndedUnixNano = reader.GetInt64(4),
                Status = status,
                Error = error,
                Input = reader.IsDBNull(5) ? null : reader.GetString(5),
                Output = preview,
                Metadata = reader.IsDBNull(6) ? null : reader.GetString(6),
                LlmCalls = reader.GetInt64(7),
                InputTokens = reader.GetInt64(8),
                OutputTokens = reader.GetInt64(9),
            };
        }
        var root = RunSpans.RootSpan(closed, agentName, closed.EndedUnixNano!.Value, status, error);
        if (_insertSpan.Insert(root) is var seq and > 0)
        {
            Keys.Add(seq);
        }
        rollup.AddRun(agentId, closed.StartedUnixNano, closed.DurationNanos!.Value, status == RunStatus.Error);
        return WriteOutcome.Done(1, closed);
    }

    private (RunRecord Run, string AgentName)? FindRun(string traceId)
    {
        Set(_findRun, traceId);
        using var reader = _findRun.ExecuteReader();
        return reader.Read() ? (SqliteTelemetryStore.ReadRun(reader), reader.GetString(14)) : null;
    }

    private static SqliteCommand Create(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        return command;
    }

    private static void Set(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
