using AgentPortal.Core.Agents;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Components.Controls;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Radzen;
using Radzen.Blazor;

namespace AgentPortal.Dashboard.Components.Pages.Agents;

public partial class Registry
{
    private static readonly string[] s_types = ["", .. Enum.GetValues<AgentType>().Select(t => t.ToWire())];
    private static readonly string[] s_statuses = ["", .. Enum.GetValues<AgentStatus>().Select(s => s.ToWire())];

    private IEnumerable<Agent>? _agents;
    private int _count;
    private bool _loading;
    private string? _error;
    private RadzenDataGrid<Agent>? _grid;
    private bool _canEdit;

    private static string EditorRoles => $"{PortalRoles.Admin},{PortalRoles.Operator}";

    [SupplyParameterFromQuery(Name = "search")]
    public string? Search { get; set; }

    [SupplyParameterFromQuery(Name = "type")]
    public string? Type { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [Inject]
    public required IAgentRegistry Agents { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<Registry> Logger { get; init; }

    [Inject]
    public required DialogService Dialogs { get; init; }

    [Inject]
    public required NotificationService Notifications { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _canEdit = user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Operator);
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_grid is not null)
        {
            await _grid.Reload();
        }
    }

    private async Task RegisterAsync()
    {
        if (await Dialogs.OpenAsync<AgentForm>(UiText.AgentForm.RegisterTitle, new Dictionary<string, object?>(), new DialogOptions { Width = "34rem" }) is Agent agent)
        {
            Notifications.Notify(NotificationSeverity.Success, UiText.AgentForm.Registered, agent.Name, duration: 4_000);
            Navigation.NavigateTo($"monitoring/agents/{agent.Id}");
        }
    }

    private async Task EditAsync(Agent agent)
    {
        if (await Dialogs.OpenAsync<AgentForm>(UiText.AgentForm.EditTitle, new Dictionary<string, object?> { ["Agent"] = agent }, new DialogOptions { Width = "34rem" }) is Agent)
        {
            Notifications.Notify(NotificationSeverity.Success, UiText.AgentForm.Saved, agent.Name, duration: 4_000);
            await (_grid?.Reload() ?? Task.CompletedTask);
        }
    }

    private async Task LoadAsync(LoadDataArgs args)
    {
        _loading = true;
        _error = null;
        try
        {
            var pageSize = args.Top ?? 50;
            var page = await Agents.ListAsync(new ListAgentsRequest
            {
                Search = Search,
                Type = AgentEnums.TryParseType(Type, out var type) ? type : null,
                Status = AgentEnums.TryParseStatus(Status, out var status) ? status : null,
                Page = ((args.Skip ?? 0) / pageSize) + 1,
                PageSize = pageSize,
            }, CancellationToken.None);
            _agents = page.Items;
            _count = page.TotalCount;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Listing agents failed");
            _error = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }
}
