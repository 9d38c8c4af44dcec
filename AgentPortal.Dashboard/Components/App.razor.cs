using AgentPortal.Dashboard.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Radzen;

namespace AgentPortal.Dashboard.Components;

public partial class App
{
    public const string LightTheme = "material";
    public const string DarkTheme = "material-dark";

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [Inject]
    public required ThemeService ThemeService { get; init; }

    private string Theme { get; set; } = LightTheme;

    // Account pages are plain server-rendered forms; everything else is interactive.
    private IComponentRenderMode? PageRenderMode =>
        HttpContext.AcceptsInteractiveRouting() ? RenderMode.InteractiveServer : null;

    protected override void OnInitialized()
    {
        // Read the theme cookie while prerendering so a dark-mode user never sees a light flash.
        var saved = HttpContext.Request.Cookies[DashboardServiceExtensions.ThemeCookieName];
        Theme = saved is LightTheme or DarkTheme ? saved : LightTheme;
        ThemeService.SetTheme(Theme, triggerChange: false);
    }
}
