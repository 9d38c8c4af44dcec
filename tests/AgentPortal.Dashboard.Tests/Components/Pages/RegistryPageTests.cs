using AgentPortal.Core.Agents;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Agents;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class RegistryPageTests : PortalPageTest
{
    [Fact]
    public void NoAgent_SaysHowAgentsAppear()
    {
        var page = Render<Registry>();

        page.WaitForAssertion(() => Assert.Contains(UiText.Registry.NoAgents, page.Markup), s_waitTimeout);
    }

    [Fact]
    public async Task Agents_AreListed_AndTheTypeFilterFromTheAddressApplies()
    {
        await RegisterAsync("registry-flow", AgentType.Langflow);
        await RegisterAsync("registry-sql", AgentType.Vanna);

        Navigate("/registry?type=langflow");
        var page = Render<Registry>();

        page.WaitForAssertion(() => Assert.Contains("registry-flow", page.Markup), s_waitTimeout);
        Assert.DoesNotContain("registry-sql", page.Markup);
        Assert.NotNull(page.Find("button[aria-label='Edit registry-flow']"));
        Assert.Contains(UiText.Registry.RegisterAgent, page.Markup);
    }

    [Fact]
    public void ViewerSignedIn_SeesNoRegisterOrEditButtons()
    {
        Authorization.SetAuthorized("viewer@example.com");
        Authorization.SetRoles(AgentPortal.Core.Identity.PortalRoles.Viewer);

        var page = Render<Registry>();

        page.WaitForAssertion(() => Assert.Contains(UiText.Registry.NoAgents, page.Markup), s_waitTimeout);
        Assert.DoesNotContain(UiText.Registry.RegisterAgent, page.Markup);
    }
}
