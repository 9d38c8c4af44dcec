using AgentPortal.Core.Agents;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Overview;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class OverviewPageTests : PortalPageTest
{
    [Fact]
    public void WhileTheStoreIsReading_ShowsTheLoadingBar()
    {
        Store.Hold();

        var page = Render<Overview>();

        Assert.NotNull(page.Find($"[role=progressbar][aria-label='{UiText.Overview.Loading}']"));
        Store.Release();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll($"[aria-label='{UiText.Overview.Loading}']")), s_waitTimeout);
    }

    [Fact]
    public void NoAgentYet_SaysHowToSendAFirstRun()
    {
        var page = Render<Overview>();

        page.WaitForAssertion(() => Assert.Contains(UiText.Overview.NoAgentsTitle, page.Markup), s_waitTimeout);
        Assert.Contains("/agents/register", page.Markup);
        Assert.Contains(UiText.Overview.NoModels, page.Markup);
    }

    [Fact]
    public void StoreFails_ShowsTheError_AndRetryLoadsAgain()
    {
        Store.FailWith("database is locked");

        var page = Render<Overview>();
        page.WaitForAssertion(() => Assert.Contains("database is locked", page.Find("[role=alert]").TextContent), s_waitTimeout);

        Store.Recover();
        page.FindAll("button").Single(b => b.TextContent.Contains(UiText.Common.Retry)).Click();
        page.WaitForAssertion(() => Assert.Contains(UiText.Overview.NoAgentsTitle, page.Markup), s_waitTimeout);
    }

    [Fact]
    public async Task WithRuns_ShowsTilesTheAgentRowAndUsageByModel()
    {
        var agent = await RegisterAsync("page-sales-agent", AgentType.Vanna);
        await RunAsync(agent, TimeSpan.FromHours(1), RunStatus.Ok, model: "gpt-4o-mini");
        await RunAsync(agent, TimeSpan.FromHours(2), RunStatus.Error, error: "SQL failed");

        var page = Render<Overview>();

        page.WaitForAssertion(() =>
        {
            var runs = page.Find($"[role=listitem][aria-label='{UiText.Overview.Runs}'] [data-testid=tile-value]");
            Assert.Equal("2", runs.TextContent);
        }, s_waitTimeout);
        var row = page.FindAll("tr").Single(r => r.TextContent.Contains("page-sales-agent"));
        Assert.Contains("vanna", row.TextContent);
        Assert.Contains("50 %", row.TextContent);
        Assert.Contains("gpt-4o-mini", page.Find($"[role=region][aria-label='{UiText.Overview.ModelUsage}']").TextContent);
    }
}
