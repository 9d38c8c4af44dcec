using System.Security.Claims;
using AgentPortal.Core.Llm;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Chat;

public partial class Chat
{
    private string _userId = "";
    private string _userName = "";
    private string? _renaming;
    private string _newTitle = "";

    [Inject]
    public required ChatViewModel ViewModel { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _userId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        _userName = user.Identity?.Name ?? _userId;
        ViewModel.Changed += RedrawAsync;
        if (ViewModel.GatewayConfigured)
        {
            await ViewModel.LoadAsync(_userId);
        }
    }

    private Task RedrawAsync() => InvokeAsync(StateHasChanged);

    private static string PriceText(ModelOffer? offer) => offer switch
    {
        null => "",
        { Unpriced: true } => UiText.ChatPage.Unpriced,
        _ => $"${offer.InputPerMillion:0.####} / ${offer.OutputPerMillion:0.####} {UiText.ChatPage.PerMillion}",
    };

    private void StartNew()
    {
        _renaming = null;
        ViewModel.StartNew();
    }

    private Task OpenAsync(string id)
    {
        _renaming = null;
        return ViewModel.OpenAsync(_userId, id);
    }

    private void BeginRename(string id, string title)
    {
        _renaming = id;
        _newTitle = title;
    }

    private async Task RenameAsync(string id)
    {
        await ViewModel.RenameAsync(_userId, id, _newTitle);
        _renaming = null;
    }

    private async Task RenameKeyAsync(KeyboardEventArgs e, string id)
    {
        if (e.Key == "Enter")
        {
            await RenameAsync(id);
        }
        else if (e.Key == "Escape")
        {
            _renaming = null;
        }
    }

    private async Task DeleteAsync(string id, string title)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(UiText.ChatPage.Delete, $"Delete the conversation \"{title}\"? This cannot be undone.", yesText: UiText.ChatPage.Delete, cancelText: UiText.ChatPage.Cancel);
        if (confirmed == true)
        {
            await ViewModel.DeleteAsync(_userId, id);
        }
    }

    private Task SendAsync() => ViewModel.SendAsync(_userId, _userName);

    private Task MessageKeyAsync(KeyboardEventArgs e) =>
        e.Key == "Enter" && (e.CtrlKey || e.MetaKey) ? SendAsync() : Task.CompletedTask;

    public void Dispose()
    {
        ViewModel.Changed -= RedrawAsync;
        ViewModel.Stop();
    }
}
