using System.Globalization;
using System.Security.Claims;
using AgentPortal.Core.Alerts;
using AgentPortal.Core.Audit;
using AgentPortal.Dashboard.Api;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Alerts;

public partial class Alerts : IDisposable
{
    private static readonly (string Label, TimeSpan Duration)[] s_mutes =
        [("1 h", TimeSpan.FromHours(1)), ("8 h", TimeSpan.FromHours(8)), ("24 h", TimeSpan.FromDays(1)), ("7 days", TimeSpan.FromDays(7))];

    private ClaimsPrincipal _user = new();
    private bool _canManage;
    private string? _problem;
    private string? _notice;
    private bool _busy;
    private bool _menuOpen;
    private bool _refreshMissed;

    [Inject]
    public required AlertsViewModel ViewModel { get; init; }

    [Inject]
    public required AlertStatus Status { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    [CascadingParameter]
    public ClientAddress? Address { get; set; }

    private AuditActor Actor => ApiAuthentication.ActorOf(_user, Address?.Value);

    protected override async Task OnInitializedAsync()
    {
        _user = (await AuthenticationState).User;
        _canManage = AlertsViewModel.CanManage(_user);
        Status.Changed += OnStatusChanged;
        await ViewModel.LoadAsync();
    }

    public void Dispose() => Status.Changed -= OnStatusChanged;

    /// <summary>
    /// Each evaluation round refreshes the page quietly, so a rule that fires shows without reloading.
    /// Not while a rule's actions menu is open: the refresh gives the grid new rows, which would close
    /// the menu under the pointer; the round missed is caught up when the menu closes.
    /// </summary>
    private void OnStatusChanged() => _ = InvokeAsync(RefreshQuietlyAsync);

    private async Task RefreshQuietlyAsync()
    {
        if (_busy || _menuOpen)
        {
            _refreshMissed = true;
            return;
        }
        _refreshMissed = false;
        await ViewModel.LoadAsync(quiet: true);
        StateHasChanged();
    }

    private async Task MenuOpenChangedAsync(bool open)
    {
        _menuOpen = open;
        if (!open && _refreshMissed)
        {
            await RefreshQuietlyAsync();
        }
    }

    internal static (string Text, Color Color) StateOf(AlertRule rule) =>
        !rule.Enabled ? (UiText.AlertsPage.Disabled, Color.Default)
        : rule.State switch
        {
            AlertState.Firing => ("firing", Color.Error),
            AlertState.Pending => ("pending", Color.Warning),
            _ => ("ok", Color.Success),
        };

    private static string Host(string? url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Host : url ?? "";

    private async Task TestAsync(AlertRule rule)
    {
        _busy = true;
        (bool Delivered, string Message)? result = null;
        _notice = null;
        _problem = await PageChange.TryAsync(async () => result = await ViewModel.TestAsync(rule, _user, Actor));
        if (result is { } sent)
        {
            (sent.Delivered ? ref _notice : ref _problem) = sent.Message;
        }
        _busy = false;
    }

    private async Task DeleteAsync(AlertRule rule)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(UiText.AlertsPage.Delete, string.Format(CultureInfo.InvariantCulture, UiText.AlertsPage.ConfirmDelete, rule.Name),
            yesText: UiText.AlertsPage.Delete, cancelText: UiText.AlertsPage.Cancel);
        if (confirmed == true)
        {
            await RunAsync(() => ViewModel.DeleteAsync(rule, _user, Actor));
        }
    }

    private async Task RunAsync(Func<Task> change)
    {
        _busy = true;
        _notice = null;
        _problem = await PageChange.TryAsync(change);
        _busy = false;
    }
}
