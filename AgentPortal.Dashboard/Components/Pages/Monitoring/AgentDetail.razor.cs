using AgentPortal.Core.Agents;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Components.Controls;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class AgentDetail : PeriodPage
{
    private const string EditorRoles = $"{PortalRoles.Admin},{PortalRoles.Operator}";

    private RunList? _runList;

    [Parameter]
    public required string AgentId { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? StatusFilter { get; set; }

    [Inject]
    public required AgentDetailViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    protected override Task OnParametersSetAsync() => LoadAsync(quiet: false);

    private Task LoadAsync(bool quiet) => ViewModel.LoadAsync(AgentId, RequestedPeriod(), StatusFilter, quiet);

    /// <summary>A preset's new end reaches the run list as a parameter, which reloads it; a custom period's list is reloaded here.</summary>
    private async Task RefreshAsync()
    {
        var before = ViewModel.Period;
        await LoadAsync(quiet: true);
        if (ViewModel.Period == before && _runList is not null)
        {
            await _runList.RefreshAsync();
        }
    }

    private void ShowRunListError(string message) => Snackbar.Add($"{UiText.AgentPage.RunsFailed} {message}", Severity.Error);

    private Task SetMonitoringAsync(bool enabled) => ChangeAsync(() => ViewModel.SetMonitoringAsync(enabled));

    private Task ToggleStatusAsync() => ChangeAsync(ViewModel.ToggleStatusAsync);

    private async Task ChangeAsync(Func<Task<string>> change)
    {
        try
        {
            Snackbar.Add(await change(), Severity.Success);
        }
        catch (Exception ex)
        {
            Snackbar.Add($"{UiText.AgentPage.UpdateFailed} {ex.Message}", Severity.Error);
        }
    }

    private async Task EditAsync()
    {
        var dialog = await Dialogs.ShowAsync<AgentForm>(UiText.AgentForm.EditTitle,
            new DialogParameters<AgentForm> { { f => f.Agent, ViewModel.Agent } }, AgentForm.Options);
        if (await dialog.Result is { Canceled: false, Data: Agent agent })
        {
            ViewModel.Replace(agent);
            Snackbar.Add(UiText.AgentForm.Saved, Severity.Success);
        }
    }
}
