using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

/// <summary>Pages without data of their own: they say plainly what they are, and show nothing made up.</summary>
public class StaticPagesTests : PortalComponentTest
{
    [Fact]
    public void NotFound_PointsBackToTheMenu()
    {
        var page = Render<NotFound>();

        Assert.Equal(UiText.Errors.NotFoundTitle, page.Find("h1").TextContent);
        Assert.Contains(UiText.Errors.NotFound, page.Markup);
    }
}
