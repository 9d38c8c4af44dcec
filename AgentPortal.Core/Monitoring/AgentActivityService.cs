using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

/// <summary>One hour of an agent's activity for the charts; hours without activity are zero, not missing.</summary>
public sealed record HourlyPoint(DateTime Hour, long Runs, long Errors, long LlmCalls, long Tokens, double? P50Milliseconds, double? P95Milliseconds, decimal? Cost = null)
{
    /// <summary>For charts, which cannot draw "no price": an hour without priced calls is drawn as 0.</summary>
    public double CostForChart => (double)(Cost ?? 0);
}

public sealed record AgentSummary(Agent Agent, UsageTotals Current, UsageTotals Previous, IReadOnlyList<string> UnpricedModels, double? P50Milliseconds);

/// <summary>Everything the agent page shows for a period, read together.</summary>
public sealed record AgentPageData(AgentSummary Summary, IReadOnlyList<HourlyPoint> Hourly, IReadOnlyList<ErrorGroup> TopErrors);

/// <summary>A run as the run lists show it: with its agent's name and what its LLM calls cost (null when none were priced or made).</summary>
public sealed record RunLine(RunRecord Run, string AgentName, CostBreakdown? Cost);

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

    /// <summary>
    /// The agent page's data: the summary, the hourly series and the top errors. The period's model usage
    /// and the price list are read once and used for both the totals and the cost per hour.
    /// </summary>
    public async Task<AgentPageData?> GetPageAsync(string agentId, DateTime from, DateTime to, int topErrors, CancellationToken cancellationToken)
    {
        var agent = await registry.GetAsync(agentId, cancellationToken);
        if (agent is null)
        {
            return null;
        }
        var priceList = await prices.ListAsync(cancellationToken);
        var modelUsage = await store.GetModelUsageAsync(agent.Id, from, to, cancellationToken);
        var current = await TotalsAsync(agent.Id, from, to, PriceTable.CostOf(priceList, modelUsage), cancellationToken);
        var previous = await TotalsAsync(agent.Id, from - (to - from), from, cancellationToken);
        var hourly = await HourlyAsync(agent.Id, from, to, priceList, modelUsage, cancellationToken);
        var errors = await store.GetTopErrorsAsync(agent.Id, from, to, topErrors, cancellationToken);
        return new AgentPageData(new AgentSummary(agent, current.Totals, previous.Totals, current.Unpriced, current.P50), hourly, errors);
    }

    public async Task<IReadOnlyList<HourlyPoint>> GetHourlyAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        await HourlyAsync(agentId, from, to, await prices.ListAsync(cancellationToken),
            await store.GetModelUsageAsync(agentId, from, to, cancellationToken), cancellationToken);

    private async Task<IReadOnlyList<HourlyPoint>> HourlyAsync(string agentId, DateTime from, DateTime to, IReadOnlyList<ModelPrice> priceList,
        IReadOnlyList<ModelUsage> modelUsage, CancellationToken cancellationToken)
    {
        var rows = (await store.GetHourlyUsageAsync(agentId, from, to, cancellationToken)).ToDictionary(h => h.Hour);
        var costs = modelUsage
            .GroupBy(m => m.Hour)
            .ToDictionary(g => g.Key, g => PriceTable.CostOf(priceList, g).Cost);
        var points = new List<HourlyPoint>();
        for (var hour = new DateTime(from.Year, from.Month, from.Day, from.Hour, 0, 0, DateTimeKind.Utc); hour < to; hour = hour.AddHours(1))
        {
            points.Add(rows.TryGetValue(hour, out var h)
                ? new HourlyPoint(hour, h.Runs, h.Errors, h.LlmCalls, h.InputTokens + h.OutputTokens, h.P50Milliseconds, h.P95Milliseconds, costs.GetValueOrDefault(hour))
                : new HourlyPoint(hour, 0, 0, 0, 0, null, null));
        }
        return points;
    }

    /// <summary>The models LLM calls used in the period, by name, for the traces page's model filter.</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(DateTime from, DateTime to, CancellationToken cancellationToken) =>
        [.. (await store.GetUsageByAgentAsync(from, to, cancellationToken)).SelectMany(u => u.Models).Select(m => m.Model).Distinct().Order(StringComparer.Ordinal)];

    public Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) =>
        store.GetTopErrorsAsync(agentId, from, to, limit, cancellationToken);

    public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) =>
        store.ListRunsAsync(request, cancellationToken);

    /// <summary>A page of runs with their agents' names (one registry read) and their costs (one store read).</summary>
    public async Task<PagedResult<RunLine>> ListRunLinesAsync(ListRunsRequest request, CancellationToken cancellationToken)
    {
        var page = await store.ListRunsAsync(request, cancellationToken);
        var agents = await registry.GetManyAsync([.. page.Items.Select(r => r.AgentId).Distinct(StringComparer.Ordinal)], cancellationToken);
        var costs = await CostOfRunsAsync([.. page.Items.Select(r => r.TraceId)], cancellationToken);
        var lines = page.Items.Select(run => new RunLine(run, agents.TryGetValue(run.AgentId, out var agent) ? agent.Name : run.AgentId,
            costs.GetValueOrDefault(run.TraceId))).ToList();
        return new PagedResult<RunLine>(lines, page.TotalCount, page.Page, page.PageSize);
    }

    /// <summary>
    /// What each run cost, priced now at the prices in force when its LLM calls were made. Runs without
    /// LLM calls are absent; a run whose models have no price has a null cost and names them.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CostBreakdown>> CostOfRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        var usage = await store.GetRunModelUsageAsync(traceIds, cancellationToken);
        if (usage.Count == 0)
        {
            return new Dictionary<string, CostBreakdown>();
        }
        var priceList = await prices.ListAsync(cancellationToken);
        return usage.GroupBy(u => u.TraceId).ToDictionary(g => g.Key, g => PriceTable.CostOf(priceList, g.Select(u => u.Usage)));
    }

    /// <summary>A trace's LLM calls priced as <see cref="CostOfRunsAsync"/> prices a run, from spans already read.</summary>
    public async Task<CostBreakdown> CostOfCallsAsync(IEnumerable<SpanRecord> spans, CancellationToken cancellationToken) =>
        await prices.CostOfAsync(spans.Where(s => s.IsLlmCall).Select(ModelUsage.Of), cancellationToken);

    public async Task<(RunRecord? Run, IReadOnlyList<SpanRecord> Spans)> GetTraceAsync(string traceId, CancellationToken cancellationToken) =>
        (await store.GetRunAsync(traceId, cancellationToken), await store.GetTraceAsync(traceId, cancellationToken));

    private async Task<(UsageTotals Totals, IReadOnlyList<string> Unpriced, double? P50)> TotalsAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        await TotalsAsync(agentId, from, to, await prices.CostOfAsync(await store.GetModelUsageAsync(agentId, from, to, cancellationToken), cancellationToken), cancellationToken);

    private async Task<(UsageTotals Totals, IReadOnlyList<string> Unpriced, double? P50)> TotalsAsync(string agentId, DateTime from, DateTime to, CostBreakdown cost,
        CancellationToken cancellationToken)
    {
        var usage = await store.GetAgentUsageAsync(agentId, from, to, cancellationToken);
        return (new UsageTotals(usage.Runs, usage.LlmCalls, usage.Errors, usage.InputTokens + usage.OutputTokens, cost.Cost, usage.P95Milliseconds, usage.LlmErrors),
            cost.UnpricedModels, usage.P50Milliseconds);
    }
}
