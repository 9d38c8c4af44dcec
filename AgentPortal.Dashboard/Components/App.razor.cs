using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;

namespace AgentPortal.Dashboard.Components;

public partial class App
{
    private bool _darkMode;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    // Account pages are plain server-rendered forms; everything else is interactive.
    private IComponentRenderMode? PageRenderMode =>
        HttpContext.AcceptsInteractiveRouting() ? RenderMode.InteractiveServer : null;

    // Read the theme cookie while prerendering so a dark-mode user never sees a light flash.
    protected override void OnInitialized() => _darkMode = PortalTheme.IsDark(HttpContext.Request.Cookies[PortalTheme.CookieName]);
}
