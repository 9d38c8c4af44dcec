using System.Globalization;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class TraceDetail
{
    private List<TraceRow>? _rows;
    private RunRecord? _run;
    private AgentPortal.Core.Pricing.CostBreakdown? _runCost;
    private string? _agentName;
    private SpanRecord? _selected;
    private string? _error;
    private IReadOnlyList<AgentPortal.Core.Pricing.ModelPrice> _prices = [];

    [Parameter]
    public required string TraceId { get; set; }

    [Inject]
    public required AgentActivityService Activity { get; init; }

    [Inject]
    public required AgentPortal.Core.Agents.IAgentRegistry Agents { get; init; }

    [Inject]
    public required AgentPortal.Core.Pricing.PriceTable Prices { get; init; }

    [Inject]
    public required ILogger<TraceDetail> Logger { get; init; }

    private string ShortId => TraceId.Length > 8 ? TraceId[..8] : TraceId;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private Task LoadAsync() => LoadAsync(quiet: false);

    /// <summary>Spans of a running trace keep arriving: a live refresh keeps the selected span.</summary>
    private Task RefreshAsync() => LoadAsync(quiet: true);

    private async Task LoadAsync(bool quiet)
    {
        _error = null;
        var selectedId = _selected?.SpanId;
        if (!quiet)
        {
            _rows = null;
        }
        try
        {
            if (!AgentRunService.IsHexId(TraceId, 32))
            {
                _rows = [];
                return;
            }
            var (run, spans) = await Activity.GetTraceAsync(TraceId, CancellationToken.None);
            _run = run;
            _agentName = run is null ? null : (await Agents.GetAsync(run.AgentId, CancellationToken.None))?.Name;
            _prices = await Prices.ListAsync(CancellationToken.None);
            _runCost = run is null ? null : await Activity.CostOfCallsAsync(spans, CancellationToken.None);
            _rows = [.. TraceTree.Build(spans)];
            _selected = _rows.FirstOrDefault(r => r.Span.SpanId == selectedId)?.Span ?? _rows.FirstOrDefault()?.Span;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Loading trace {TraceId} failed", TraceId);
            _error = ex.Message;
        }
    }

    /// <summary>A span with a model, priced as its run's calls are (the price in force in its hour); null is "no price".</summary>
    private decimal? SpanCost(SpanRecord span) => span.Model is null ? null : AgentPortal.Core.Pricing.PriceTable.CostOf(_prices, [AgentPortal.Core.Pricing.ModelUsage.Of(span)]).Cost;

    private static string Css(double fraction) => (fraction * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";
}
