using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Tools;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;
using ToolsPage = AgentPortal.Dashboard.Components.Pages.Tools.Tools;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class ToolsPageTests : PortalPageTest
{
    public ToolsPageTests()
        : base(new Dictionary<string, string?> { ["Embeds:Langfuse:Url"] = "http://langfuse.internal:3000" })
    {
    }

    [Fact]
    public void ListsEachTool_WithWhetherItIsConfigured()
    {
        var page = Render<ToolsPage>();

        var cards = page.FindAll(".tool-card");
        Assert.Equal(3, cards.Count);
        Assert.Contains(UiText.ToolsPage.Configured, cards[0].TextContent);
        Assert.Contains("Langfuse", cards[0].TextContent);
        Assert.Contains(UiText.ToolsPage.NotConfigured, cards[1].TextContent);
        Assert.Contains(UiText.ToolsPage.AdminOnly, cards[2].TextContent);
    }

    [Fact]
    public void ConfiguredTool_IsFramedThroughThePortalsProxy_NeverItsOwnAddress()
    {
        var page = Render<Langfuse>();

        var frame = page.Find("iframe");
        Assert.Equal("/embed/langfuse/", frame.GetAttribute("src"));
        Assert.DoesNotContain("langfuse.internal", page.Markup);
    }

    [Fact]
    public void ToolNotConfigured_SaysWhichVariablesToSet_WithExamples()
    {
        var page = Render<Helicone>();

        Assert.Empty(page.FindAll("iframe"));
        var example = page.Find(".settings-example").TextContent;
        Assert.Contains("Embeds__Helicone__Url=http://helicone:3000", example);
        Assert.Contains("Embeds__Helicone__ApiKey=", example);
    }
}
