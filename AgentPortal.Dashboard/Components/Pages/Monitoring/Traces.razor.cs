using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components.Controls;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class Traces : PeriodPage
{
    private Period _period = default!;
    private RunList? _runList;

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

    [SupplyParameterFromQuery(Name = "session")]
    public string? SessionFilter { get; set; }

    [SupplyParameterFromQuery(Name = "user")]
    public string? UserFilter { get; set; }

    [Inject]
    public required TracesViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    private RunStatus? Status => RunStatuses.ParseOrNull(StatusFilter);

    private TraceFilterChoices Choices => ViewModel.Choices.Value ?? new TraceFilterChoices([], []);

    protected override async Task OnParametersSetAsync()
    {
        _period = RequestedPeriod();
        await ViewModel.LoadAsync(_period, ModelFilter);
    }

    private string AgentName(string id) => id == "" ? UiText.TracesPage.AnyAgent : Choices.Agents.FirstOrDefault(a => a.Id == id)?.Name ?? id;

    private void ShowRunListError(string message) => Snackbar.Add($"{UiText.AgentPage.RunsFailed} {message}", Severity.Error);

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
