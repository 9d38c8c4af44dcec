using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentPortal.Core.Telemetry.Sqlite;

/// <summary>
/// The span insert on SQLite's own prepared-statement API, over the writer connection's handle, so
/// it takes part in that connection's transaction. It is the one statement run for every span: bound
/// by position with typed calls, and text bound as UTF-16 for SQLite to convert, it costs the single
/// commit loop far less than a command that boxes each value and looks its parameter up by name.
/// Values are still bound parameters, never SQL text.
/// </summary>
internal sealed class SpanInsertStatement : IDisposable
{
    private const string Sql = """
        INSERT INTO spans (trace_id, span_id, parent_span_id, name, kind, service_name, agent_id, project_id, start_unix_nano,
                           duration_nanos, status, status_message, operation, provider, request_model, response_model,
                           input_tokens, output_tokens, cached_input_tokens, is_run_root, attributes, resource_attributes, events, links)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
        ON CONFLICT (start_unix_nano, trace_id, span_id) DO NOTHING;
        """;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public SpanInsertStatement(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The writer connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, Sql, out _statement));
    }

    /// <summary>Inserts the span; its seq, or 0 when a span with its start time, trace id and span id is already stored.</summary>
    public long Insert(SpanRecord span)
    {
        try
        {
            Text(1, span.TraceId);
            Text(2, span.SpanId);
            Text(3, span.ParentSpanId);
            Text(4, span.Name);
            Integer(5, (int)span.Kind);
            Text(6, span.ServiceName);
            Text(7, span.AgentId);
            Text(8, span.ProjectId);
            Integer(9, span.StartTimeUnixNano);
            Integer(10, span.DurationNanos);
            Integer(11, (int)span.Status);
            Text(12, span.StatusMessage);
            Text(13, span.Operation);
            Text(14, span.Provider);
            Text(15, span.RequestModel);
            Text(16, span.ResponseModel);
            Integer(17, span.InputTokens);
            Integer(18, span.OutputTokens);
            Integer(19, span.CachedInputTokens);
            Integer(20, span.IsRunRoot ? 1 : 0);
            Text(21, NullIfEmpty(span.AttributesJson));
            Text(22, NullIfEmpty(span.ResourceAttributesJson));
            Text(23, NullIfEmpty(span.EventsJson));
            Text(24, NullIfEmpty(span.LinksJson));
            var result = raw.sqlite3_step(_statement);
            if (result != raw.SQLITE_DONE)
            {
                throw Failure(result);
            }
            return raw.sqlite3_changes(_db) == 1 ? raw.sqlite3_last_insert_rowid(_db) : 0;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Text(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value));

    private void Integer(int index, long? value) =>
        Check(value is { } number ? raw.sqlite3_bind_int64(_statement, index, number) : raw.sqlite3_bind_null(_statement, index));

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw Failure(result);
        }
    }

    private SqliteException Failure(int result) => new($"SQLite error {result} storing a span: {raw.sqlite3_errmsg(_db).utf8_to_string()}", result);

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
