using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

/// <summary>One hour of an agent's activity for the charts; hours without activity are zero, not missing.</summary>
public sealed record HourlyPoint(DateTime Hour, long Runs, long Errors, long LlmCalls, long Tokens, double? P50Milliseconds, double? P95Milliseconds);

public sealed record AgentSummary(Agent Agent, UsageTotals Current, UsageTotals Previous, IReadOnlyList<string> UnpricedModels, double? P50Milliseconds);

/// <summary>One agent's page: who it is, its usage against the period before, its runs, and a run's spans.</summary>
public sealed class AgentActivityService(IAgentRegistry registry, ITelemetryStore store, PriceTable prices)
{
    public async Task<AgentSummary?> GetSummaryAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var agent = await registry.GetAsync(agentId, cancellationToken);
        if (agent is null)
        {
            return null;
        }
        var current = await TotalsAsync(agent.Id, from, to, cancellationToken);
        var previous = await TotalsAsync(agent.Id, from - (to - from), from, cancellationToken);
        return new AgentSummary(agent, current.Totals, previous.Totals, current.Unpriced, current.P50);
    }

    public async Task<IReadOnlyList<HourlyPoint>> GetHourlyAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var rows = (await store.GetHourlyUsageAsync(agentId, from, to, cancellationToken)).ToDictionary(h => h.Hour);
        var points = new List<HourlyPoint>();
        for (var hour = new DateTime(from.Year, from.Month, from.Day, from.Hour, 0, 0, DateTimeKind.Utc); hour < to; hour = hour.AddHours(1))
        {
            points.Add(rows.TryGetValue(hour, out var h)
                ? new HourlyPoint(hour, h.Runs, h.Errors, h.LlmCalls, h.InputTokens + h.OutputTokens, h.P50Milliseconds, h.P95Milliseconds)
                : new HourlyPoint(hour, 0, 0, 0, 0, null, null));
        }
        return points;
    }

    public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) =>
        store.ListRunsAsync(request, cancellationToken);

    public async Task<(RunRecord? Run, IReadOnlyList<SpanRecord> Spans)> GetTraceAsync(string traceId, CancellationToken cancellationToken) =>
        (await store.GetRunAsync(traceId, cancellationToken), await store.GetTraceAsync(traceId, cancellationToken));

    private async Task<(UsageTotals Totals, IReadOnlyList<string> Unpriced, double? P50)> TotalsAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken)
    {
        var usage = await store.GetAgentUsageAsync(agentId, from, to, cancellationToken);
        var cost = await prices.CostOfAsync(await store.GetModelUsageAsync(agentId, from, to, cancellationToken), cancellationToken);
        return (new UsageTotals(usage.Runs, usage.LlmCalls, usage.Errors, usage.InputTokens + usage.OutputTokens, cost.Cost, usage.P95Milliseconds),
            cost.UnpricedModels, usage.P50Milliseconds);
    }
}
