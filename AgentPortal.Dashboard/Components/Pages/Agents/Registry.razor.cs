using AgentPortal.Core.Agents;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Components.Controls;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Agents;

public partial class Registry
{
    private const string EditorRoles = $"{PortalRoles.Admin},{PortalRoles.Operator}";

    private MudDataGrid<Agent>? _grid;
    private bool _canEdit;
    private AgentFilter? _shown;

    [SupplyParameterFromQuery(Name = "search")]
    public string? Search { get; set; }

    [SupplyParameterFromQuery(Name = "type")]
    public string? Type { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [Inject]
    public required RegistryViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    private AgentFilter Filter => new(Search, Type, Status);

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _canEdit = user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Operator);
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_grid is not null && _shown is not null && _shown != Filter)
        {
            await _grid.ReloadServerData();
        }
    }

    private Task<GridData<Agent>> LoadAsync(GridState<Agent> state, CancellationToken cancellationToken)
    {
        _shown = Filter;
        return ViewModel.LoadAsync(_shown, state, cancellationToken);
    }

    private async Task RegisterAsync()
    {
        var dialog = await Dialogs.ShowAsync<AgentForm>(UiText.AgentForm.RegisterTitle, new DialogParameters<AgentForm>(), AgentForm.Options);
        if (await dialog.Result is { Canceled: false, Data: Agent agent })
        {
            Snackbar.Add($"{UiText.AgentForm.Registered}: {agent.Name}", Severity.Success);
            Navigation.NavigateTo($"monitoring/agents/{agent.Id}");
        }
    }

    private async Task EditAsync(Agent agent)
    {
        var dialog = await Dialogs.ShowAsync<AgentForm>(UiText.AgentForm.EditTitle, new DialogParameters<AgentForm> { { f => f.Agent, agent } }, AgentForm.Options);
        if (await dialog.Result is { Canceled: false })
        {
            Snackbar.Add($"{UiText.AgentForm.Saved}: {agent.Name}", Severity.Success);
            await (_grid?.ReloadServerData() ?? Task.CompletedTask);
        }
    }
}
