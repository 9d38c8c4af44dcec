using System.ComponentModel.DataAnnotations.Schema;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AgentPortal.Core.Telemetry.Sqlite;

/// <summary>
/// The schema of the embedded telemetry database, kept as EF Core migrations. Reads and writes go
/// through <see cref="SqliteTelemetryStore"/> with hand-written SQL; this context only owns the schema.
/// </summary>
public sealed class TelemetryDbContext(DbContextOptions<TelemetryDbContext> options) : DbContext(options)
{
    /// <summary>The condition of the failed-spans index; a query must repeat it as written to use the index.</summary>
    internal const string ErrorSpansFilter = "status = 2";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        builder.Entity<SpanRow>(span =>
        {
            span.ToTable("spans");
            // Spans are appended in the order they arrive (seq, never reused), and a span is the same
            // span when its start time, trace id and span id agree. Keyed by start time first, the key
            // takes new spans near its end instead of on random pages, and a retried export is
            // recognised the way the ClickHouse store recognises it. Spans are found by trace id
            // through span_keys (see SpanKeySegments), not through an index updated in place.
            span.HasKey(s => s.Seq);
            span.Property(s => s.Seq).ValueGeneratedOnAdd();
            span.HasIndex(s => new { s.StartUnixNano, s.TraceId, s.SpanId }).IsUnique().HasDatabaseName("idx_spans_key");
            // Only top errors reads spans by agent and time, and only failed ones: indexing just those
            // keeps the index off the path of every other span written.
            span.HasIndex(s => new { s.AgentId, s.StartUnixNano }).HasDatabaseName("idx_spans_agent_errors").HasFilter(ErrorSpansFilter);
        });
        builder.Entity<RunRow>(run =>
        {
            run.ToTable("runs");
            run.HasKey(r => r.TraceId);
            run.HasIndex(r => new { r.AgentId, r.StartedUnixNano }).HasDatabaseName("idx_runs_agent_started");
            run.HasIndex(r => new { r.Status, r.StartedUnixNano }).HasDatabaseName("idx_runs_status_started");
        });
        builder.Entity<UsageHourlyRow>(usage =>
        {
            usage.ToTable("usage_hourly");
            usage.HasKey(u => new { u.AgentId, u.HourUnix, u.Model });
        });
        builder.Entity<RunDurationHourlyRow>(duration =>
        {
            duration.ToTable("run_duration_hourly");
            duration.HasKey(d => new { d.AgentId, d.HourUnix, d.Bucket });
        });
    }

    internal sealed class SpanRow
    {
        [Column("seq")] public long Seq { get; set; }
        [Column("trace_id")] public required string TraceId { get; set; }
        [Column("span_id")] public required string SpanId { get; set; }
        [Column("parent_span_id")] public string? ParentSpanId { get; set; }
        [Column("name")] public required string Name { get; set; }
        [Column("kind")] public int Kind { get; set; }
        [Column("service_name")] public string? ServiceName { get; set; }
        [Column("agent_id")] public string? AgentId { get; set; }
        [Column("project_id")] public string? ProjectId { get; set; }
        [Column("start_unix_nano")] public long StartUnixNano { get; set; }
        [Column("duration_nanos")] public long DurationNanos { get; set; }
        [Column("status")] public int Status { get; set; }
        [Column("status_message")] public string? StatusMessage { get; set; }
        [Column("operation")] public string? Operation { get; set; }
        [Column("provider")] public string? Provider { get; set; }
        [Column("request_model")] public string? RequestModel { get; set; }
        [Column("response_model")] public string? ResponseModel { get; set; }
        [Column("input_tokens")] public long? InputTokens { get; set; }
        [Column("output_tokens")] public long? OutputTokens { get; set; }
        [Column("cached_input_tokens")] public long? CachedInputTokens { get; set; }
        [Column("is_run_root")] public bool IsRunRoot { get; set; }
        [Column("attributes")] public string? Attributes { get; set; }
        [Column("resource_attributes")] public string? ResourceAttributes { get; set; }
        [Column("events")] public string? Events { get; set; }
        [Column("links")] public string? Links { get; set; }
    }

    internal sealed class RunRow
    {
        [Column("trace_id")] public required string TraceId { get; set; }
        [Column("span_id")] public required string SpanId { get; set; }
        [Column("agent_id")] public required string AgentId { get; set; }
        [Column("project_id")] public required string ProjectId { get; set; }
        [Column("agent_name")] public required string AgentName { get; set; }
        [Column("started_unix_nano")] public long StartedUnixNano { get; set; }
        [Column("ended_unix_nano")] public long? EndedUnixNano { get; set; }
        [Column("status")] public int Status { get; set; }
        [Column("error")] public string? Error { get; set; }
        [Column("input")] public string? Input { get; set; }
        [Column("output")] public string? Output { get; set; }
        [Column("metadata")] public string? Metadata { get; set; }
        [Column("llm_calls")] public long LlmCalls { get; set; }
        [Column("input_tokens")] public long InputTokens { get; set; }
        [Column("output_tokens")] public long OutputTokens { get; set; }
    }

    internal sealed class UsageHourlyRow
    {
        [Column("agent_id")] public required string AgentId { get; set; }
        [Column("hour_unix")] public long HourUnix { get; set; }
        [Column("model")] public required string Model { get; set; }
        [Column("runs")] public long Runs { get; set; }
        [Column("run_errors")] public long RunErrors { get; set; }
        [Column("llm_calls")] public long LlmCalls { get; set; }
        [Column("llm_errors")] public long LlmErrors { get; set; }
        [Column("input_tokens")] public long InputTokens { get; set; }
        [Column("output_tokens")] public long OutputTokens { get; set; }
        [Column("cached_input_tokens")] public long CachedInputTokens { get; set; }
        [Column("reported_cost")] public double ReportedCost { get; set; }
    }

    internal sealed class RunDurationHourlyRow
    {
        [Column("agent_id")] public required string AgentId { get; set; }
        [Column("hour_unix")] public long HourUnix { get; set; }
        [Column("bucket")] public int Bucket { get; set; }
        [Column("count")] public long Count { get; set; }
    }
}

internal sealed class TelemetryDbContextDesignFactory : IDesignTimeDbContextFactory<TelemetryDbContext>
{
    public TelemetryDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<TelemetryDbContext>().UseSqlite("Data Source=design-time-telemetry.db").Options);
}
