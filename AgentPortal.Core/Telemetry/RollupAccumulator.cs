namespace AgentPortal.Core.Telemetry;

/// <summary>Sums one batch's contribution to the hourly rollups, so each rollup row is written once per batch.</summary>
public sealed class RollupAccumulator
{
    public Dictionary<(string AgentId, long HourUnix, string Model), UsageDelta> Usage { get; } = [];

    public Dictionary<(string AgentId, long HourUnix, int Bucket), long> RunDurations { get; } = [];

    public bool IsEmpty => Usage.Count == 0 && RunDurations.Count == 0;

    public void AddRun(string agentId, long startedUnixNano, long durationNanos, bool failed)
    {
        var hour = RunSpans.HourOf(startedUnixNano);
        var delta = Get(agentId, hour, "");
        delta.Runs++;
        if (failed)
        {
            delta.RunErrors++;
        }
        var key = (agentId, hour, DurationHistogram.BucketOf(durationNanos));
        RunDurations[key] = RunDurations.GetValueOrDefault(key) + 1;
    }

    public void AddLlmCall(SpanRecord span)
    {
        if (span.AgentId is null)
        {
            return;
        }
        var delta = Get(span.AgentId, RunSpans.HourOf(span.StartTimeUnixNano), span.Model ?? "");
        delta.LlmCalls++;
        if (span.Status == SpanStatusCode.Error)
        {
            delta.LlmErrors++;
        }
        delta.InputTokens += span.InputTokens ?? 0;
        delta.OutputTokens += span.OutputTokens ?? 0;
        delta.CachedInputTokens += span.CachedInputTokens ?? 0;
        delta.ReportedCost += span.ReportedCost ?? 0;
    }

    public void Clear()
    {
        Usage.Clear();
        RunDurations.Clear();
    }

    private UsageDelta Get(string agentId, long hour, string model)
    {
        if (!Usage.TryGetValue((agentId, hour, model), out var delta))
        {
            delta = new UsageDelta();
            Usage[(agentId, hour, model)] = delta;
        }
        return delta;
    }

    public sealed class UsageDelta
    {
        public long Runs { get; set; }
        public long RunErrors { get; set; }
        public long LlmCalls { get; set; }
        public long LlmErrors { get; set; }
        public long InputTokens { get; set; }
        public long OutputTokens { get; set; }
        public long CachedInputTokens { get; set; }
        public double ReportedCost { get; set; }
    }
}
