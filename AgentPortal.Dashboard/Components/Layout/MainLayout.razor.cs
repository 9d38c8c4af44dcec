using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;

namespace AgentPortal.Dashboard.Components.Layout;

public partial class MainLayout
{
    private bool _drawerOpen = true;
    private bool _darkMode;
    private ErrorBoundary? _errorBoundary;

    [CascadingParameter]
    public ThemeChoice? Theme { get; set; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    protected override void OnInitialized() => _darkMode = Theme?.DarkMode ?? false;

    protected override void OnParametersSet() => _errorBoundary?.Recover();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await JS.InvokeVoidAsync("agentPortal.markInteractive");
        }
    }

    /// <summary>The choice is kept in a cookie, so the next request prerenders in the same theme.</summary>
    private async Task ToggleThemeAsync()
    {
        _darkMode = !_darkMode;
        await JS.InvokeVoidAsync("agentPortal.saveTheme", PortalTheme.CookieName, _darkMode ? PortalTheme.Dark : PortalTheme.Light);
    }
}
