using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace AgentPortal.Dashboard.Components.Controls;

public partial class RunList
{
    private RadzenDataGrid<RunRecord>? _grid;
    private IEnumerable<RunRecord>? _runs;
    private int _count;
    private bool _loading;
    private Dictionary<string, string> _names = [];
    private IReadOnlyDictionary<string, CostBreakdown> _costs = new Dictionary<string, CostBreakdown>();
    private (string?, RunStatus?, DateTime, DateTime, string?, string?, string?) _shown;

    /// <summary>Only this agent's runs; all agents' when null (an Agent column is shown then).</summary>
    [Parameter]
    public string? AgentId { get; set; }

    [Parameter]
    public RunStatus? Status { get; set; }

    [Parameter, EditorRequired]
    public DateTime From { get; set; }

    [Parameter, EditorRequired]
    public DateTime To { get; set; }

    /// <summary>Matched against input, output and error text.</summary>
    [Parameter]
    public string? Search { get; set; }

    /// <summary>Only runs with an LLM call to this model.</summary>
    [Parameter]
    public string? Model { get; set; }

    /// <summary>Only runs whose agent name or a span name contains this text.</summary>
    [Parameter]
    public string? SpanName { get; set; }

    [Parameter]
    public string EmptyText { get; set; } = UiText.AgentPage.NoRuns;

    [Parameter]
    public EventCallback<string> OnError { get; set; }

    [Inject]
    public required AgentActivityService Activity { get; init; }

    [Inject]
    public required IAgentRegistry Agents { get; init; }

    [Inject]
    public required ILogger<RunList> Logger { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        var wanted = (AgentId, Status, From, To, Search, Model, SpanName);
        if (_grid is not null && wanted != _shown)
        {
            await _grid.Reload();
        }
    }

    /// <summary>Reloads the page shown (a live refresh).</summary>
    public Task RefreshAsync() => _grid?.Reload() ?? Task.CompletedTask;

    private async Task LoadAsync(LoadDataArgs args)
    {
        _loading = true;
        _shown = (AgentId, Status, From, To, Search, Model, SpanName);
        try
        {
            var pageSize = args.Top ?? 25;
            var page = await Activity.ListRunsAsync(new ListRunsRequest
            {
                AgentId = AgentId,
                From = From,
                To = To,
                Status = Status,
                Text = Search,
                Model = Model,
                SpanName = SpanName,
                Page = ((args.Skip ?? 0) / pageSize) + 1,
                PageSize = pageSize,
            }, CancellationToken.None);
            if (AgentId is null)
            {
                foreach (var agentId in page.Items.Select(r => r.AgentId).Distinct().Where(id => !_names.ContainsKey(id)))
                {
                    _names[agentId] = (await Agents.GetAsync(agentId, CancellationToken.None))?.Name ?? agentId;
                }
            }
            _costs = await Activity.CostOfRunsAsync([.. page.Items.Select(r => r.TraceId)], CancellationToken.None);
            _runs = page.Items;
            _count = page.TotalCount;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Listing runs failed");
            await OnError.InvokeAsync(ex.Message);
        }
        finally
        {
            _loading = false;
        }
    }

    private static string? Preview(string? text) => text is null ? null : text.Length <= 80 ? text : text[..80] + "…";
}
