using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Dashboard.Model;

/// <summary>A trace as its page shows it: the spans as a tree, the run it belongs to, and each LLM call priced.</summary>
public sealed record TraceView(IReadOnlyList<TraceRow> Rows, RunRecord? Run, string? AgentName, CostBreakdown? RunCost, IReadOnlyList<ModelPrice> Prices);

/// <summary>The trace page: loads the trace once, keeps the selected span across live refreshes, prices spans.</summary>
public sealed class TraceDetailViewModel(AgentActivityService activity, IAgentRegistry agents, PriceTable prices, ILogger<TraceDetailViewModel> logger)
{
    public Loadable<TraceView> Trace { get; } = new(logger, "the trace");

    public SpanRecord? Selected { get; private set; }

    /// <summary>Loaded, and no span of this trace has arrived (or the id is not a trace id).</summary>
    public bool NotFound => Trace.State == LoadState.Loaded && Trace.Value is { Rows.Count: 0 };

    public async Task LoadAsync(string traceId, bool quiet = false)
    {
        var selectedId = Selected?.SpanId;
        await Trace.LoadAsync(async cancellationToken =>
        {
            if (!AgentRunService.IsHexId(traceId, 32))
            {
                return new TraceView([], null, null, null, []);
            }
            var (run, spans) = await activity.GetTraceAsync(traceId, cancellationToken);
            var agentName = run is null ? null : (await agents.GetAsync(run.AgentId, cancellationToken))?.Name;
            var priceList = await prices.ListAsync(cancellationToken);
            var runCost = run is null ? null : PriceTable.CostOf(priceList, spans.Where(s => s.IsLlmCall).Select(ModelUsage.Of));
            return new TraceView(TraceTree.Build(spans), run, agentName, runCost, priceList);
        }, quiet);
        var rows = Trace.Value?.Rows ?? [];
        Selected = rows.FirstOrDefault(r => r.Span.SpanId == selectedId)?.Span ?? rows.FirstOrDefault()?.Span;
    }

    public void Select(SpanRecord span) => Selected = span;

    /// <summary>A span with a model, priced as its run's calls are (the price in force in its hour); null is "no price".</summary>
    public decimal? SpanCost(SpanRecord span) =>
        span.Model is null || Trace.Value is not { } trace ? null : PriceTable.CostOf(trace.Prices, [ModelUsage.Of(span)]).Cost;
}
