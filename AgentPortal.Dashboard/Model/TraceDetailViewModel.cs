using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using Microsoft.Extensions.Caching.Memory;

namespace AgentPortal.Dashboard.Model;

/// <summary>A trace as its page shows it: the waterfall, the run it is (if it is one), the agents in it, and its LLM calls priced.</summary>
public sealed record TraceView(TraceExplorer Explorer, RunRecord? Run, IReadOnlyDictionary<string, Agent> Agents, CostBreakdown Cost, IReadOnlyList<ModelPrice> Prices)
{
    public string AgentName(string? agentId) => agentId is not null && Agents.TryGetValue(agentId, out var agent) ? agent.Name : agentId ?? "";
}

/// <summary>
/// The spans of traces opened in the last seconds. The page is prerendered and then rendered again by
/// its live circuit; both ask for the same trace within a second, and the store is read once.
/// Live refreshes always read the store.
/// </summary>
public sealed class RecentTraces(IMemoryCache cache)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(20);

    public async Task<(RunRecord? Run, IReadOnlyList<SpanRecord> Spans)> GetAsync(string traceId, bool fresh,
        Func<CancellationToken, Task<(RunRecord?, IReadOnlyList<SpanRecord>)>> load, CancellationToken cancellationToken)
    {
        var key = ("trace", traceId);
        if (!fresh && cache.TryGetValue(key, out (RunRecord?, IReadOnlyList<SpanRecord>) cached))
        {
            return cached;
        }
        var loaded = await load(cancellationToken);
        cache.Set(key, loaded, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Lifetime, Size = Math.Max(1, loaded.Item2.Count) });
        return loaded;
    }
}

/// <summary>The trace page: loads the trace, keeps the waterfall's state and the selected span across live refreshes, prices spans.</summary>
public sealed class TraceDetailViewModel(AgentActivityService activity, IAgentRegistry agents, PriceTable prices, RecentTraces recent, ILogger<TraceDetailViewModel> logger)
{
    public Loadable<TraceView> Trace { get; } = new(logger, "the trace");

    public SpanRecord? Selected { get; private set; }

    /// <summary>Loaded, and no span of this trace has arrived (or the id is not a trace id).</summary>
    public bool NotFound => Trace.State == LoadState.Loaded && Trace.Value is { Explorer.Summary.Spans: 0 };

    public TraceExplorer? Explorer => Trace.Value?.Explorer;

    public async Task LoadAsync(string traceId, TraceFilter filter, bool quiet = false)
    {
        var selectedId = Selected?.SpanId;
        var previous = Trace.Value?.Explorer;
        await Trace.LoadAsync(async cancellationToken =>
        {
            if (!AgentRunService.IsHexId(traceId, 32))
            {
                return new TraceView(new TraceExplorer([]), null, new Dictionary<string, Agent>(), new CostBreakdown(null, [], null), []);
            }
            var (run, spans) = await recent.GetAsync(traceId, fresh: quiet, ct => activity.GetTraceAsync(traceId, ct), cancellationToken);
            var agentIds = spans.Select(s => s.AgentId).Append(run?.AgentId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var named = await agents.GetManyAsync(agentIds, cancellationToken);
            var priceList = await prices.ListAsync(cancellationToken);
            var cost = PriceTable.CostOf(priceList, spans.Where(s => s.IsLlmCall).Select(ModelUsage.Of));
            var explorer = new TraceExplorer(spans);
            explorer.SetFilter(filter);
            return new TraceView(explorer, run, named, cost, priceList);
        }, quiet);
        if (Trace.Value?.Explorer is { } explorer && previous is not null && quiet)
        {
            explorer.KeepStateOf(previous);
        }
        var spansShown = Trace.Value?.Explorer.Rows ?? [];
        // A link with a find text opens on its first match; otherwise on the span shown before, or the first.
        Selected = spansShown.FirstOrDefault(r => r.Span.SpanId == selectedId)?.Span
            ?? Trace.Value?.Explorer.CurrentMatchRow?.Span
            ?? spansShown.FirstOrDefault()?.Span;
    }

    public void Select(SpanRecord span) => Selected = span;

    public void SetFilter(TraceFilter filter)
    {
        if (Explorer is not { } explorer)
        {
            return;
        }
        explorer.SetFilter(filter);
        if (explorer.CurrentMatchRow is { } match)
        {
            Selected = match.Span;
        }
    }

    public void NextMatch() => MoveToMatch(e => e.NextMatch());

    public void PreviousMatch() => MoveToMatch(e => e.PreviousMatch());

    /// <summary>A span with a model, priced as its run's calls are (the price in force in its hour); null is "no price".</summary>
    public decimal? SpanCost(SpanRecord span) =>
        span.Model is null || Trace.Value is not { } trace ? null : PriceTable.CostOf(trace.Prices, [ModelUsage.Of(span)]).Cost;

    private void MoveToMatch(Action<TraceExplorer> move)
    {
        if (Explorer is { } explorer)
        {
            move(explorer);
            if (explorer.CurrentMatchRow is { } match)
            {
                Selected = match.Span;
            }
        }
    }
}
