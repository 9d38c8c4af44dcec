using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components.Controls;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Traces;

public partial class Traces : PeriodPage
{
    private static readonly string[] s_statuses = ["", "ok", "error", "running"];

    private Period _period = Period.Resolve(null, null, null, DateTime.UtcNow);
    private IReadOnlyList<Agent> _agents = [];
    private IReadOnlyList<string> _models = [];
    private RunList? _runList;
    private string? _error;

    [SupplyParameterFromQuery(Name = "model")]
    public string? ModelFilter { get; set; }

    [SupplyParameterFromQuery(Name = "name")]
    public string? NameFilter { get; set; }

    [SupplyParameterFromQuery(Name = "agent")]
    public string? AgentFilter { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? StatusFilter { get; set; }

    [SupplyParameterFromQuery(Name = "search")]
    public string? Search { get; set; }

    [Inject]
    public required IAgentRegistry Registry { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required AgentActivityService Activity { get; init; }

    private RunStatus? Status => RunStatuses.ParseOrNull(StatusFilter);

    protected override async Task OnParametersSetAsync()
    {
        _period = RequestedPeriod();
        try
        {
            if (_agents.Count == 0)
            {
                _agents = (await Registry.ListAsync(new ListAgentsRequest { PageSize = 500 }, CancellationToken.None)).Items;
            }
            var models = await Activity.ListModelsAsync(_period.From, _period.To, CancellationToken.None);
            // A model from a shared link stays choosable even when this period has no calls to it.
            _models = ["", .. string.IsNullOrEmpty(ModelFilter) || models.Contains(ModelFilter) ? models : models.Append(ModelFilter)];
        }
        catch (Exception ex)
        {
            _error = ex.Message;
        }
    }

    /// <summary>A preset's new end reaches the run list as a parameter, which reloads it; a custom period is reloaded here.</summary>
    private async Task RefreshAsync()
    {
        var period = RequestedPeriod();
        if (period != _period)
        {
            _period = period;
        }
        else if (_runList is not null)
        {
            await _runList.RefreshAsync();
        }
    }
}
