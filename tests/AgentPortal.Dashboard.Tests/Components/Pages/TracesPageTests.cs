using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Monitoring;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class TracesPageTests : PortalPageTest
{
    [Fact]
    public void NoRuns_SaysNothingMatches()
    {
        var page = Render<Traces>();

        page.WaitForAssertion(() => Assert.Contains(UiText.TracesPage.NoRuns, page.Markup), s_waitTimeout);
    }

    [Fact]
    public async Task Runs_OfEveryAgent_WithTheirAgentAndCost_AndTheStatusFilterApplies()
    {
        var sales = await RegisterAsync("traces-sales");
        var flow = await RegisterAsync("traces-flow");
        await RunAsync(sales, TimeSpan.FromHours(1), RunStatus.Ok, model: "gpt-4o-mini", input: "orders this week");
        await RunAsync(flow, TimeSpan.FromHours(1), RunStatus.Error, error: "flow crashed");

        Navigate("/monitoring/traces?status=error");
        var page = Render<Traces>();

        page.WaitForAssertion(() => Assert.Contains("flow crashed", page.Markup), s_waitTimeout);
        Assert.Contains("traces-flow", page.Find($"[role=region][aria-label='{UiText.AgentPage.Runs}']").TextContent);
        Assert.DoesNotContain("orders this week", page.Markup);
    }

    [Fact]
    public async Task SessionAndUserFilters_FromTheAddress_ShowOnlyThatConversationsRuns()
    {
        var support = await RegisterAsync("traces-support");
        await RunAsync(support, TimeSpan.FromHours(1), RunStatus.Ok, input: "refund order 41", metadata: """{"session_id": "conv-41", "user_id": "kim"}""");
        await RunAsync(support, TimeSpan.FromHours(1), RunStatus.Ok, input: "where is order 42", metadata: """{"session_id": "conv-42", "user_id": "kim"}""");

        Navigate("/monitoring/traces?session=conv-41&user=kim");
        var page = Render<Traces>();

        page.WaitForAssertion(() => Assert.Contains("refund order 41", page.Markup), s_waitTimeout);
        Assert.DoesNotContain("where is order 42", page.Markup);
        Assert.Contains(UiText.TracesPage.Session, page.Markup);
    }

    [Fact]
    public void StoreFails_SaysTheFiltersCouldNotLoad()
    {
        Store.FailWith("store unreachable");

        var page = Render<Traces>();

        page.WaitForAssertion(() => Assert.Contains(UiText.TracesPage.FiltersFailed, page.Markup), s_waitTimeout);
        Assert.Contains("store unreachable", page.Markup);
    }
}
