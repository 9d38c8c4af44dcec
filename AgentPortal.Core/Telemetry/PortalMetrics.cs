using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AgentPortal.Core.Telemetry;

/// <summary>
/// The portal's own metrics, as System.Diagnostics.Metrics instruments under the "AgentPortal" meter;
/// the Dashboard exports them in the Prometheus text format at <c>/metrics</c>. Agent figures count
/// what this replica ingested, so the figures of several replicas add up in Prometheus.
/// </summary>
public sealed class PortalMetrics
{
    public const string MeterName = "AgentPortal";

    /// <summary>Boundaries of the second-based histograms: 5 ms to 5 minutes.</summary>
    public static readonly double[] SecondBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private readonly Counter<long> _tasks;
    private readonly Counter<long> _tasksSuccessful;
    private readonly Histogram<double> _taskDuration;
    private readonly Counter<long> _calls;
    private readonly Counter<long> _tokens;
    private readonly Histogram<double> _modelLatency;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private TimeSpan _lastCpu;
    private long _lastCpuAt = Stopwatch.GetTimestamp();

    public PortalMetrics(IMeterFactory meters, TelemetryWriter writer, Otlp.SpanForwarder forwarder, Data.OpenConnections connections)
    {
        var meter = meters.Create(MeterName);
        _tasks = meter.CreateCounter<long>("agent_tasks", description: "Agent runs ended, by agent type.");
        _tasksSuccessful = meter.CreateCounter<long>("agent_tasks_successful", description: "Agent runs ended ok, by agent type.");
        _taskDuration = meter.CreateHistogram<double>("agent_task_duration", "s", "How long agent runs took, by agent type.");
        _calls = meter.CreateCounter<long>("agent_calls", description: "LLM calls ingested, by model.");
        _tokens = meter.CreateCounter<long>("token_usage", description: "Tokens of ingested LLM calls, by model and direction (input, output).");
        _modelLatency = meter.CreateHistogram<double>("model_latency", "s", "How long LLM calls took, by model.");
        _accepted = meter.CreateCounter<long>("ingestion_spans_accepted", description: "Spans accepted by OTLP ingestion.");
        _rejected = meter.CreateCounter<long>("ingestion_spans_rejected", description: "Spans rejected by OTLP ingestion (the reply says why).");
        meter.CreateObservableGauge("ingestion_queue_depth", () => writer.Queued, description: "Telemetry writes waiting to be committed.");
        meter.CreateObservableCounter("ingestion_spans_forwarded", () => forwarder.ForwardedSpans, description: "Spans forwarded to the configured collector.");
        meter.CreateObservableGauge("database_connections_active", () => connections.Count, description: "Open connections to the portal database (registry, users, keys).");
        meter.CreateObservableGauge("system_cpu_usage_percent", CpuPercent, description: "CPU used by this process since the last scrape, as a share of all cores.");
        meter.CreateObservableGauge("system_memory_usage_percent", MemoryPercent, description: "This process's working set as a share of the memory available to it.");
    }

    public void RunEnded(string agentType, RunStatus status, long durationNanos)
    {
        var type = new KeyValuePair<string, object?>("agent_type", agentType);
        _tasks.Add(1, type);
        if (status == RunStatus.Ok)
        {
            _tasksSuccessful.Add(1, type);
        }
        _taskDuration.Record(durationNanos / 1e9, type);
    }

    public void SpansIngested(IReadOnlyList<SpanRecord> spans, int rejected)
    {
        _accepted.Add(spans.Count);
        if (rejected > 0)
        {
            _rejected.Add(rejected);
        }
        foreach (var span in spans.Where(s => s.IsLlmCall))
        {
            var model = new KeyValuePair<string, object?>("model", span.Model ?? "unknown");
            _calls.Add(1, model);
            _modelLatency.Record(span.DurationNanos / 1e9, model);
            if (span.InputTokens is > 0 and var input)
            {
                _tokens.Add(input, model, new("direction", "input"));
            }
            if (span.OutputTokens is > 0 and var output)
            {
                _tokens.Add(output, model, new("direction", "output"));
            }
        }
    }

    public void SpansRejected(int rejected)
    {
        if (rejected > 0)
        {
            _rejected.Add(rejected);
        }
    }

    private double CpuPercent()
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var now = Stopwatch.GetTimestamp();
        var wall = Stopwatch.GetElapsedTime(_lastCpuAt, now);
        var used = cpu - _lastCpu;
        (_lastCpu, _lastCpuAt) = (cpu, now);
        return wall <= TimeSpan.Zero ? 0 : Math.Clamp(used / wall / Environment.ProcessorCount * 100, 0, 100);
    }

    private static double MemoryPercent()
    {
        using var process = Process.GetCurrentProcess();
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return available <= 0 ? 0 : Math.Clamp(process.WorkingSet64 * 100.0 / available, 0, 100);
    }
}
