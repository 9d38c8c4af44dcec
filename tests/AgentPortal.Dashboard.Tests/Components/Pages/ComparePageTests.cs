using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Monitoring;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class ComparePageTests : PortalPageTest
{
    [Fact]
    public void NothingChosen_AsksForTwoToFiveAgents()
    {
        var page = Render<Compare>();

        page.WaitForAssertion(() => Assert.Contains(UiText.ComparePage.Choose, page.Markup), s_waitTimeout);
    }

    [Fact]
    public async Task TwoAgents_ShowEachAgentsTilesAndFourOverlaidCharts()
    {
        var a = await RegisterAsync("compare-a");
        var b = await RegisterAsync("compare-b");
        await RunAsync(a, TimeSpan.FromHours(1), RunStatus.Ok);
        await RunAsync(b, TimeSpan.FromHours(2), RunStatus.Error, error: "boom");

        Navigate($"/monitoring/compare?agents={a.Id},{b.Id},{Guid.NewGuid()}");
        var page = Render<Compare>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("section.compare-column").Count), s_waitTimeout);
        Assert.Contains(UiText.ComparePage.Unknown, page.Markup);
        Assert.Equal(4, page.FindAll("[role=img].hourly-chart").Count);
        Assert.All(page.FindAll("[role=img].hourly-chart"), chart => Assert.NotEmpty(chart.QuerySelectorAll("svg path")));
    }

    [Fact]
    public async Task StoreFails_ShowsTheError()
    {
        var a = await RegisterAsync("compare-fail-a");
        var b = await RegisterAsync("compare-fail-b");
        Store.FailWith("rollups unreadable");

        Navigate($"/monitoring/compare?agents={a.Id},{b.Id}");
        var page = Render<Compare>();

        page.WaitForAssertion(() => Assert.Contains("rollups unreadable", page.Find("[role=alert]").TextContent), s_waitTimeout);
    }
}
