using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Api;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.People;

public partial class People
{
    private string _email = "";
    private string _role = PortalRoles.Viewer;
    private string _projects = "";
    private string? _editingProjects;
    private string _projectsEdit = "";
    private string? _problem;
    private bool _busy;

    [Inject]
    public required PeopleViewModel ViewModel { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    [CascadingParameter]
    public ClientAddress? Address { get; set; }

    protected override Task OnInitializedAsync() => ViewModel.LoadAsync();

    internal static IEnumerable<(string Text, Color Color)> StatusOf(UserSummary user)
    {
        if (user.Disabled)
        {
            yield return (UiText.People.Disabled, Color.Error);
        }
        else if (user.LockedOut)
        {
            yield return (UiText.People.Locked, Color.Warning);
        }
        else
        {
            yield return (UiText.People.Active, Color.Success);
        }
        if (user.MustChangePassword)
        {
            yield return (UiText.People.MustChange, Color.Info);
        }
        if (user.External)
        {
            yield return (UiText.People.Sso, Color.Default);
        }
    }

    private async Task<AuditActor> ActorAsync() => ApiAuthentication.ActorOf((await AuthenticationState).User, Address?.Value);

    private Task CreateAsync() => RunAsync(async () =>
    {
        await ViewModel.CreateAsync(_email, _role, _projects, await ActorAsync());
        _email = "";
        _projects = "";
    });

    private Task SetRoleAsync(UserSummary user, string role) => RunAsync(async () =>
    {
        await ViewModel.SetRoleAsync(user, role, await ActorAsync());
        Snackbar.Add($"{user.Email} is now {role}.", Severity.Success);
    });

    private void EditProjects(UserSummary user)
    {
        _editingProjects = user.Id;
        _projectsEdit = string.Join(", ", user.Projects ?? []);
    }

    private Task SaveProjectsAsync(UserSummary user) => RunAsync(async () =>
    {
        await ViewModel.SetProjectsAsync(user, _projectsEdit, await ActorAsync());
        _editingProjects = null;
    });

    private async Task ResetAsync(UserSummary user)
    {
        if (await Dialogs.ShowMessageBoxAsync(UiText.People.Reset, string.Format(System.Globalization.CultureInfo.InvariantCulture, UiText.People.ConfirmReset, user.Email),
                yesText: UiText.People.Reset, cancelText: UiText.People.Cancel) == true)
        {
            await RunAsync(async () => await ViewModel.ResetPasswordAsync(user, await ActorAsync()));
        }
    }

    private async Task SetDisabledAsync(UserSummary user, bool disabled)
    {
        if (disabled && await Dialogs.ShowMessageBoxAsync(UiText.People.Disable, string.Format(System.Globalization.CultureInfo.InvariantCulture, UiText.People.ConfirmDisable, user.Email),
                yesText: UiText.People.Disable, cancelText: UiText.People.Cancel) != true)
        {
            return;
        }
        await RunAsync(async () => await ViewModel.SetDisabledAsync(user, disabled, await ActorAsync()));
    }

    /// <summary>Runs one change; a refusal is shown above the list and what was typed stays in the form.</summary>
    private async Task RunAsync(Func<Task> change)
    {
        _busy = true;
        _problem = await PageChange.TryAsync(change);
        _busy = false;
    }
}
