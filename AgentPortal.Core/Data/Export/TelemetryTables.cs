namespace AgentPortal.Core.Data.Export;

public enum ColumnKind
{
    Text,
    Int,
    Real,
    Bool,
}

public sealed record TelemetryColumn(string Name, ColumnKind Kind, bool Nullable = false);

/// <summary>One telemetry table in the provider-neutral shape exports carry: its columns in order and its key.</summary>
public sealed record TelemetryTable(string Name, IReadOnlyList<TelemetryColumn> Columns, IReadOnlyList<string> Key)
{
    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == column)
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>
/// The telemetry every writable store keeps, as exports carry it: the embedded store's columns, which
/// ClickHouse shares (it adds only the partition dates, row versions and the span key index, all
/// derived). A row is one value per column: string, long, double, bool or null.
/// </summary>
public static class TelemetryTables
{
    private static TelemetryColumn T(string name, bool nullable = false) => new(name, ColumnKind.Text, nullable);
    private static TelemetryColumn I(string name, bool nullable = false) => new(name, ColumnKind.Int, nullable);

    public static TelemetryTable Spans { get; } = new("spans",
    [
        T("trace_id"), T("span_id"), T("parent_span_id", true), T("name"), I("kind"), T("service_name", true), T("agent_id", true), T("project_id", true),
        I("start_unix_nano"), I("duration_nanos"), I("status"), T("status_message", true), T("operation", true), T("provider", true),
        T("request_model", true), T("response_model", true), I("input_tokens", true), I("output_tokens", true), I("cached_input_tokens", true),
        new("is_run_root", ColumnKind.Bool), T("attributes", true), T("resource_attributes", true), T("events", true), T("links", true),
    ], ["trace_id", "span_id"]);

    public static TelemetryTable Runs { get; } = new("runs",
    [
        T("trace_id"), T("span_id"), T("agent_id"), T("project_id"), T("agent_name"), I("started_unix_nano"), I("ended_unix_nano", true), I("status"),
        T("error", true), T("input", true), T("output", true), T("metadata", true), I("llm_calls"), I("input_tokens"), I("output_tokens"),
    ], ["trace_id"]);

    public static TelemetryTable UsageHourly { get; } = new("usage_hourly",
    [
        T("agent_id"), I("hour_unix"), T("model"), I("runs"), I("run_errors"), I("llm_calls"), I("llm_errors"), I("input_tokens"), I("output_tokens"),
        I("cached_input_tokens"), new("reported_cost", ColumnKind.Real),
    ], ["agent_id", "hour_unix", "model"]);

    public static TelemetryTable RunDurationHourly { get; } = new("run_duration_hourly",
        [T("agent_id"), I("hour_unix"), I("bucket"), I("count")], ["agent_id", "hour_unix", "bucket"]);

    public static IReadOnlyList<TelemetryTable> All { get; } = [Spans, Runs, UsageHourly, RunDurationHourly];

    public static TelemetryTable? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}
