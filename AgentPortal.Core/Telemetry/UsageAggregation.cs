namespace AgentPortal.Core.Telemetry;

/// <summary>Folds rollup rows into per-agent period usage; shared by the store adapters.</summary>
public static class UsageAggregation
{
    public sealed record UsageRow(string AgentId, long HourUnix, string Model, long Runs, long Errors, long LlmCalls, long InputTokens, long OutputTokens, long CachedInputTokens, double ReportedCost, long LlmErrors = 0);

    public static IReadOnlyList<AgentPeriodUsage> ByAgent(IEnumerable<UsageRow> usage, IEnumerable<(string AgentId, int Bucket, long Count)> durations)
    {
        var histograms = durations.GroupBy(d => d.AgentId).ToDictionary(g => g.Key, g => (IReadOnlyList<(int, long)>)[.. g.Select(d => (d.Bucket, d.Count))]);
        return [.. usage.GroupBy(u => u.AgentId).Select(agent => new AgentPeriodUsage(
            agent.Key,
            agent.Sum(u => u.Runs),
            agent.Sum(u => u.Errors),
            agent.Sum(u => u.LlmCalls),
            agent.Sum(u => u.InputTokens),
            agent.Sum(u => u.OutputTokens),
            histograms.GetValueOrDefault(agent.Key) ?? [],
            [.. agent.Where(u => u.LlmCalls > 0).Select(u => new Pricing.ModelUsage(DateTime.UnixEpoch.AddSeconds(u.HourUnix), u.Model, u.LlmCalls, u.InputTokens, u.OutputTokens, u.CachedInputTokens, u.ReportedCost))],
            agent.Sum(u => u.LlmErrors)))];
    }
}
