
namespace AgentPortal.Core.Monitoring;

/// <summary>One agent of a comparison: its figures against the period before, and its hourly series.</summary>
public sealed record AgentComparison(AgentSummary Summary, IReadOnlyList<HourlyPoint> Hourly);

/// <summary>Several agents over the same period, for the compare page.</summary>
public sealed class AgentComparisonService(AgentActivityService activity)
{
    /// <summary>The agents in the order given; ids that are not agents are left out (the page says so).</summary>
    public async Task<IReadOnlyList<AgentComparison>> CompareAsync(IEnumerable<string> agentIds, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var result = new List<AgentComparison>();
        foreach (var id in agentIds.Distinct(StringComparer.Ordinal))
        {
            if (!Guid.TryParse(id, out _) || await activity.GetSummaryAsync(id, from, to, cancellationToken) is not { } summary)
            {
                continue;
            }
            result.Add(new AgentComparison(summary, await activity.GetHourlyAsync(id, from, to, cancellationToken)));
        }
        return result;
    }
}
