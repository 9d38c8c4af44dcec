using AgentPortal.Core.Agents;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

/// <summary>Totals over a period, as the overview tiles show them.</summary>
public sealed record UsageTotals(long Runs, long LlmCalls, long Errors, long Tokens, decimal? Cost, double? P95Milliseconds, long LlmErrors = 0)
{
    public double ErrorRate => Runs == 0 ? 0 : (double)Errors / Runs;

    /// <summary>Failed LLM calls of all LLM calls, beside the runs' error rate.</summary>
    public double LlmErrorRate => LlmCalls == 0 ? 0 : (double)LlmErrors / LlmCalls;
}

/// <summary>One row of the Agent Usage table.</summary>
public sealed record AgentUsageLine(
    string AgentId,
    string Name,
    AgentType Type,
    string ProjectId,
    AgentStatus Status,
    long Runs,
    long LlmCalls,
    long Errors,
    long InputTokens,
    long OutputTokens,
    decimal? Cost,
    IReadOnlyList<string> UnpricedModels,
    double? P50Milliseconds,
    double? P95Milliseconds,
    DateTime? LastUsedAt)
{
    public double ErrorRate => Runs == 0 ? 0 : (double)Errors / Runs;

    public long Tokens => InputTokens + OutputTokens;
}

public sealed record ModelUsageLine(string Model, long LlmCalls, long InputTokens, long OutputTokens, decimal? Cost);

/// <summary>One caller's LLM calls over a period: a person's email, <c>apikey:&lt;prefix&gt;</c>, or '' when the spans name nobody.</summary>
public sealed record UserUsageLine(string User, long LlmCalls, long InputTokens, long OutputTokens, decimal? Cost);

public sealed record UsageOverview(
    DateTime From,
    DateTime To,
    UsageTotals Current,
    UsageTotals Previous,
    IReadOnlyList<AgentUsageLine> Agents,
    IReadOnlyList<ModelUsageLine> Models);

/// <summary>
/// The Agent Usage overview: every registered agent with its usage over a period, the totals against
/// the period before, and usage by model. Read from the hourly rollups and priced at query time.
/// </summary>
public sealed class UsageOverviewService(IAgentRegistry registry, ITelemetryStore store, PriceTable prices)
{
    private const int MaxAgents = 10_000;

    /// <param name="projectId">Only this project's agents and their usage (an API key's view); null for every project.</param>
    public async Task<UsageOverview> GetAsync(DateTime from, DateTime to, CancellationToken cancellationToken, string? projectId = null)
    {
        var span = to - from;
        // Independent reads on their own connections: run together, so a month's rollups take one read's time, not four.
        var currentTask = store.GetUsageByAgentAsync(from, to, cancellationToken);
        var previousTask = store.GetUsageByAgentAsync(from - span, from, cancellationToken);
        var pricesTask = prices.ListAsync(cancellationToken);
        var agentsTask = ListAgentsAsync(cancellationToken);
        await Task.WhenAll(currentTask, previousTask, pricesTask, agentsTask);
        var (current, previous, priceList, agents) = (currentTask.Result, previousTask.Result, pricesTask.Result, agentsTask.Result);
        if (projectId is not null)
        {
            agents = [.. agents.Where(a => a.ProjectId == projectId)];
            var ids = agents.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            current = [.. current.Where(u => ids.Contains(u.AgentId))];
            previous = [.. previous.Where(u => ids.Contains(u.AgentId))];
        }

        var usageById = current.ToDictionary(u => u.AgentId);
        var lines = new List<AgentUsageLine>(agents.Count);
        foreach (var agent in agents)
        {
            var usage = usageById.GetValueOrDefault(agent.Id);
            var cost = usage is null ? new CostBreakdown(null, [], null) : PriceTable.CostOf(priceList, usage.Models);
            lines.Add(new AgentUsageLine(agent.Id, agent.Name, agent.Type, agent.ProjectId, agent.Status,
                usage?.Runs ?? 0, usage?.LlmCalls ?? 0, usage?.Errors ?? 0, usage?.InputTokens ?? 0, usage?.OutputTokens ?? 0,
                cost.Cost, cost.UnpricedModels,
                usage is null ? null : DurationHistogram.Quantile(usage.RunDurations, 0.5),
                usage is null ? null : DurationHistogram.Quantile(usage.RunDurations, 0.95),
                agent.LastUsedAt));
        }

        var models = current.SelectMany(u => u.Models).GroupBy(m => m.Model).Select(g =>
                new ModelUsageLine(g.Key, g.Sum(m => m.LlmCalls), g.Sum(m => m.InputTokens), g.Sum(m => m.OutputTokens), PriceTable.CostOf(priceList, g).Cost))
            .OrderByDescending(m => m.LlmCalls).ToList();

        return new UsageOverview(from, to, Totals(current, priceList), Totals(previous, priceList),
            [.. lines.OrderByDescending(l => l.Runs + l.LlmCalls).ThenByDescending(l => l.LastUsedAt).ThenBy(l => l.Name, StringComparer.OrdinalIgnoreCase)],
            models);
    }

    /// <summary>LLM calls per caller (the spans' user.id), priced like every other figure.</summary>
    public async Task<IReadOnlyList<UserUsageLine>> GetByUserAsync(DateTime from, DateTime to, CancellationToken cancellationToken, string? projectId = null)
    {
        var usageTask = store.GetUsageByUserAsync(from, to, projectId, cancellationToken);
        var pricesTask = prices.ListAsync(cancellationToken);
        await Task.WhenAll(usageTask, pricesTask);
        return [.. usageTask.Result.GroupBy(u => u.User, StringComparer.Ordinal)
            .Select(g => new UserUsageLine(g.Key, g.Sum(u => u.Usage.LlmCalls), g.Sum(u => u.Usage.InputTokens), g.Sum(u => u.Usage.OutputTokens),
                PriceTable.CostOf(pricesTask.Result, g.Select(u => u.Usage)).Cost))
            .OrderByDescending(l => l.LlmCalls)];
    }

    private static UsageTotals Totals(IReadOnlyList<AgentPeriodUsage> usage, IReadOnlyList<ModelPrice> priceList) => new(
        usage.Sum(u => u.Runs),
        usage.Sum(u => u.LlmCalls),
        usage.Sum(u => u.Errors),
        usage.Sum(u => u.InputTokens + u.OutputTokens),
        PriceTable.CostOf(priceList, usage.SelectMany(u => u.Models)).Cost,
        DurationHistogram.Quantile(usage.SelectMany(u => u.RunDurations).GroupBy(d => d.Bucket).Select(g => (g.Key, g.Sum(d => d.Count))), 0.95),
        usage.Sum(u => u.LlmErrors));

    private async Task<List<Agent>> ListAgentsAsync(CancellationToken cancellationToken)
    {
        var agents = new List<Agent>();
        for (var page = 1; agents.Count < MaxAgents; page++)
        {
            var result = await registry.ListAsync(new ListAgentsRequest { Page = page, PageSize = 500 }, cancellationToken);
            agents.AddRange(result.Items);
            if (!result.HasMore)
            {
                break;
            }
        }
        return agents;
    }
}
