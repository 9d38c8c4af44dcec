using AgentPortal.Core.Agents;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Monitoring;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class AgentDetailPageTests : PortalPageTest
{
    [Fact]
    public async Task WhileTheStoreIsReading_ShowsTheLoadingBar()
    {
        var agent = await RegisterAsync("loading-agent");
        Store.Hold();

        var page = Render<AgentDetail>(p => p.Add(a => a.AgentId, agent.Id));

        Assert.NotNull(page.Find("[role=progressbar]"));
        Store.Release();
        page.WaitForAssertion(() => Assert.Equal("loading-agent", page.Find("h1").TextContent), s_waitTimeout);
    }

    [Fact]
    public async Task RunList_WhileItsFirstPageIsRead_SaysLoading_ThenShowsTheRuns()
    {
        var agent = await RegisterAsync("runs-loading-agent");
        await RunAsync(agent, TimeSpan.FromHours(1), RunStatus.Ok, input: "the only run");
        Store.Hold();

        var list = Render<AgentPortal.Dashboard.Components.Controls.RunList>(p => p
            .Add(r => r.AgentId, agent.Id).Add(r => r.From, Now.AddDays(-1)).Add(r => r.To, Now.AddMinutes(1)));

        var region = $"[role=region][aria-label='{UiText.AgentPage.Runs}']";
        list.WaitForAssertion(() => Assert.Contains(UiText.Common.Loading, list.Find(region).TextContent), s_waitTimeout);
        Assert.DoesNotContain(UiText.AgentPage.NoRuns, list.Markup);
        Store.Release();
        list.WaitForAssertion(() => Assert.Contains("the only run", list.Find(region).TextContent), s_waitTimeout);
    }

    [Fact]
    public void UnknownAgent_SaysSo()
    {
        var page = Render<AgentDetail>(p => p.Add(a => a.AgentId, Guid.NewGuid().ToString()));

        page.WaitForAssertion(() => Assert.Equal(UiText.AgentPage.NotFoundTitle, page.Find("h1").TextContent), s_waitTimeout);
        Assert.Contains(UiText.AgentPage.NotFound, page.Markup);
    }

    [Fact]
    public async Task StoreFails_ShowsTheError()
    {
        var agent = await RegisterAsync("failing-agent");
        Store.FailWith("no such table: hourly_rollups");

        var page = Render<AgentDetail>(p => p.Add(a => a.AgentId, agent.Id));

        page.WaitForAssertion(() => Assert.Contains("no such table: hourly_rollups", page.Find("[role=alert]").TextContent), s_waitTimeout);
    }

    [Fact]
    public async Task WithRuns_ShowsTilesFourChartsOnTheSameHoursTopErrorsAndTheRuns()
    {
        var agent = await RegisterAsync("busy-agent", AgentType.Autogen);
        await RunAsync(agent, TimeSpan.FromHours(3), RunStatus.Ok, model: "gpt-4o-mini", input: "plan a trip");
        await RunAsync(agent, TimeSpan.FromHours(2), RunStatus.Error, error: "upstream 502");

        var page = Render<AgentDetail>(p => p.Add(a => a.AgentId, agent.Id));

        page.WaitForAssertion(() => Assert.Equal("busy-agent", page.Find("h1").TextContent), s_waitTimeout);
        Assert.Equal("2", page.Find($"[role=listitem][aria-label='{UiText.Overview.Runs}'] [data-testid=tile-value]").TextContent);
        var charts = page.FindAll("[role=img].hourly-chart");
        Assert.Equal([UiText.AgentPage.RunsAndErrors, UiText.AgentPage.Latency, UiText.AgentPage.Tokens, UiText.AgentPage.CostPerHour],
            charts.Select(c => c.GetAttribute("aria-label")));
        Assert.All(charts, chart => Assert.NotEmpty(chart.QuerySelectorAll("svg path")));
        Assert.Contains("upstream 502", page.Find($"[role=region][aria-label='{UiText.AgentPage.TopErrors}']").TextContent);
        page.WaitForAssertion(() => Assert.Contains("plan a trip", page.Find($"[role=region][aria-label='{UiText.AgentPage.Runs}']").TextContent), s_waitTimeout);
    }

    [Fact]
    public async Task Page_ReadsTheModelUsageOfThePeriodOnce_ForTotalsAndCostPerHour()
    {
        var agent = await RegisterAsync("priced-agent");
        await RunAsync(agent, TimeSpan.FromHours(1), RunStatus.Ok, model: "gpt-4o-mini");

        var page = Render<AgentDetail>(p => p.Add(a => a.AgentId, agent.Id));

        page.WaitForAssertion(() => Assert.Equal("$0.000036", page.Find($"[role=listitem][aria-label='{UiText.Overview.Cost}'] [data-testid=tile-value]").TextContent), s_waitTimeout);
        // Once for this period (totals and cost per hour), once for the period before.
        Assert.Equal(2, Store.Reads[nameof(Store.GetModelUsageAsync)]);
    }
}
