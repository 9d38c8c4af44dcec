using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Monitoring;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class TraceDetailPageTests : PortalPageTest
{
    [Fact]
    public async Task WhileTheStoreIsReading_ShowsTheLoadingBar()
    {
        var traceId = await RunAsync(await RegisterAsync("trace-agent"), TimeSpan.FromMinutes(5), RunStatus.Ok);
        Store.Hold();

        var page = Render<TraceDetail>(p => p.Add(t => t.TraceId, traceId));

        Assert.NotNull(page.Find("[role=progressbar]"));
        Store.Release();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[role=treeitem]")), s_waitTimeout);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-trace-id")]
    public void UnknownTrace_SaysItHasNotArrived(string traceId)
    {
        var page = Render<TraceDetail>(p => p.Add(t => t.TraceId, traceId));

        page.WaitForAssertion(() => Assert.Contains(UiText.TracePage.NotFound, page.Markup), s_waitTimeout);
    }

    [Fact]
    public void StoreFails_ShowsTheError()
    {
        Store.FailWith("disk I/O error");

        var page = Render<TraceDetail>(p => p.Add(t => t.TraceId, "0123456789abcdef0123456789abcdef"));

        page.WaitForAssertion(() => Assert.Contains("disk I/O error", page.Find("[role=alert]").TextContent), s_waitTimeout);
    }

    [Fact]
    public async Task Run_ShowsItsSpansAsATree_PricesTheRun_AndShowsTheSelectedCall()
    {
        var agent = await RegisterAsync("tree-agent");
        var traceId = await RunAsync(agent, TimeSpan.FromMinutes(5), RunStatus.Ok, model: "gpt-4o-mini", input: "how many orders?");

        var page = Render<TraceDetail>(p => p.Add(t => t.TraceId, traceId));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[role=treeitem]").Count), s_waitTimeout);
        Assert.Contains("tree-agent", page.Markup);
        Assert.Equal("$0.000036", page.Find("[data-testid=run-cost]").TextContent);
        Assert.Equal("true", page.FindAll("[role=treeitem]")[0].GetAttribute("aria-selected"));
        Assert.Contains("how many orders?", page.Find($"[role=list][aria-label='{UiText.TracePage.ConversationSection}'] [role=listitem][aria-label=user]").TextContent);

        page.FindAll("[role=treeitem]").Single(t => t.TextContent.Contains("chat gpt-4o-mini")).Click();

        page.WaitForAssertion(() => Assert.Contains("120 in / 30 out", page.Find($"section[aria-label='{UiText.TracePage.GenAiSection}']").TextContent), s_waitTimeout);
        Assert.Equal("$0.000036", page.Find("[data-testid=span-cost]").TextContent);
    }
}
