using System.Security.Claims;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Api;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Keys;

public partial class ApiKeys
{
    private readonly NewKeyForm _form = new();
    private ClaimsPrincipal _user = new();
    private IReadOnlyCollection<string>? _managed;
    private string? _problem;
    private bool _busy;

    [Inject]
    public required ApiKeysViewModel ViewModel { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    [CascadingParameter]
    public ClientAddress? Address { get; set; }

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _managed = UserDirectory.ManagedProjects(_user);
        _form.Project = _managed?.Order().FirstOrDefault() ?? "default-project";
        await LoadAsync();
    }

    private Task LoadAsync() => ViewModel.LoadAsync(_user);

    private (string Text, Color Color) StatusOf(ApiKey key) =>
        key.RevokedAt is not null ? (UiText.Keys.Revoked, Color.Default)
        : key.ExpiresAt is { } expires && expires <= ViewModel.Now ? (UiText.Keys.Expired, Color.Warning)
        : (UiText.Keys.Active, Color.Success);

    private Task CreateAsync() => RunAsync(async () =>
    {
        await ViewModel.CreateAsync(_form, _user, ApiAuthentication.ActorOf(_user, Address?.Value));
        _form.Name = "";
    });

    private async Task RevokeAsync(ApiKey key)
    {
        if (await ConfirmAsync(UiText.Keys.Revoke, UiText.Keys.ConfirmRevoke, key))
        {
            await RunAsync(() => ViewModel.RevokeAsync(key, _user, ApiAuthentication.ActorOf(_user, Address?.Value)));
        }
    }

    private async Task RotateAsync(ApiKey key)
    {
        if (await ConfirmAsync(UiText.Keys.Rotate, UiText.Keys.ConfirmRotate, key))
        {
            await RunAsync(() => ViewModel.RotateAsync(key, _user, ApiAuthentication.ActorOf(_user, Address?.Value)));
        }
    }

    private async Task<bool> ConfirmAsync(string title, string format, ApiKey key) =>
        await Dialogs.ShowMessageBoxAsync(title, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, $"{key.Name ?? "the key"} ({key.Prefix}…)"),
            yesText: title, cancelText: UiText.People.Cancel) == true;

    private async Task RunAsync(Func<Task> change)
    {
        _busy = true;
        _problem = await PageChange.TryAsync(change);
        _busy = false;
    }
}
