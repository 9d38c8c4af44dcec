using System.Security.Claims;
using AgentPortal.Core.Alerts;
using AgentPortal.Core.Common;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Api;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace AgentPortal.Dashboard.Components.Pages.Alerts;

public partial class AlertEdit
{
    private AlertRuleForm _form = new();
    private AlertRule? _rule;
    private ClaimsPrincipal _user = new();
    private bool _canManage;
    private bool _loading = true;
    private string? _loadError;
    private string? _problem;
    private bool _busy;

    [Parameter]
    public string? Id { get; set; }

    [Inject]
    public required AlertsViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    [CascadingParameter]
    public ClientAddress? Address { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _canManage = AlertsViewModel.CanManage(_user);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _loading = true;
        _loadError = null;
        try
        {
            await ViewModel.LoadAsync(Id, quiet: true);
            if (Id is not null)
            {
                _rule = await ViewModel.GetAsync(Id);
                _form = AlertRuleForm.From(_rule);
            }
            else if (UserDirectory.ManagedProjects(_user) is { } managed)
            {
                // Operators cannot make global rules: start them on their first project.
                _form.Scope = AlertScope.Project;
                _form.Project = managed.Order().FirstOrDefault() ?? "";
            }
        }
        catch (NotFoundException)
        {
            _loadError = UiText.AlertsPage.NotFound;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _loadError = ex.Message;
        }
        _loading = false;
    }

    private void MetricChanged(AlertMetric metric)
    {
        if (metric != _form.Metric)
        {
            _form.Metric = metric;
            _form.Threshold = AlertRuleForm.DefaultThreshold(metric);
        }
    }

    private async Task SaveAsync()
    {
        _busy = true;
        AlertRule? saved = null;
        _problem = await PageChange.TryAsync(async () => saved = await ViewModel.SaveAsync(Id, _form, _user, ApiAuthentication.ActorOf(_user, Address?.Value)));
        _busy = false;
        if (saved is not null)
        {
            Navigation.NavigateTo("alerts");
        }
    }
}
