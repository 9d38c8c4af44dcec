using System.Globalization;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class TraceDetail
{
    private List<TraceRow>? _rows;
    private RunRecord? _run;
    private string? _agentName;
    private SpanRecord? _selected;
    private string? _error;

    [Parameter]
    public required string TraceId { get; set; }

    [Inject]
    public required AgentActivityService Activity { get; init; }

    [Inject]
    public required AgentPortal.Core.Agents.IAgentRegistry Agents { get; init; }

    [Inject]
    public required ILogger<TraceDetail> Logger { get; init; }

    private string ShortId => TraceId.Length > 8 ? TraceId[..8] : TraceId;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _error = null;
        _rows = null;
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
            _rows = [.. TraceTree.Build(spans)];
            _selected = _rows.FirstOrDefault()?.Span;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Loading trace {TraceId} failed", TraceId);
            _error = ex.Message;
        }
    }

    private static string Css(double fraction) => (fraction * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";
}
