using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

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
