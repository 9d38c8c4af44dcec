using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Controls;
using AgentPortal.Dashboard.Model;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Controls;

public class SpanDetailTests : PortalComponentTest
{
    public SpanDetailTests() => Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));

    [Fact]
    public void ASpanWithNothingButItsName_SaysEachSectionIsEmpty()
    {
        var detail = Render(new SpanRecord { TraceId = new string('a', 32), SpanId = new string('b', 16), Name = "step" });

        Assert.Contains(UiText.TracePage.NoConversation, detail.Markup);
        Assert.Contains(UiText.TracePage.NoEvents, detail.Markup);
        Assert.Contains(UiText.TracePage.NoLinks, detail.Markup);
        // Attributes and resource each say none match.
        Assert.Equal(2, detail.Markup.Split(UiText.TracePage.NoAttributes).Length - 1);
        Assert.Empty(detail.FindAll($"section[aria-label='{UiText.TracePage.GenAiSection}']"));
    }

    [Fact]
    public void AFailedSpan_ShowsItsStatusAndEachExceptionWithItsStackTrace()
    {
        var detail = Render(new SpanRecord
        {
            TraceId = new string('a', 32),
            SpanId = new string('b', 16),
            Name = "GET flights",
            Status = SpanStatusCode.Error,
            StatusMessage = "upstream 502",
            Events = [new SpanEvent("exception", 5, [new("exception.type", "HttpRequestException"), new("exception.message", "Bad Gateway"), new("exception.stacktrace", "at Flights.Search()")])],
        });

        var alerts = detail.FindAll(".mud-alert").Select(a => a.TextContent).ToList();
        Assert.Contains(alerts, a => a.Contains("upstream 502"));
        Assert.Contains(alerts, a => a.Contains("HttpRequestException: Bad Gateway"));
        Assert.Contains("at Flights.Search()", detail.Find($"section[aria-label='{UiText.TracePage.EventsSection}']").TextContent);
    }

    [Fact]
    public void TheAttributeFilter_NarrowsAttributesAndResource()
    {
        var detail = Render(new SpanRecord
        {
            TraceId = new string('a', 32),
            SpanId = new string('b', 16),
            Name = "chat",
            Attributes = [new("gen_ai.request.model", "gpt-4o"), new("http.status_code", "200")],
            ResourceAttributes = [new("service.name", "planner")],
        });
        Assert.Equal(2, detail.FindAll($"table[aria-label='{UiText.TracePage.AttributesSection}'] tr").Count);

        detail.Find($"input[aria-label='{UiText.TracePage.FilterAttributes}']").Input("model");
        // The filter box waits for typing to pause, on the injected clock.
        Clock.Advance(TimeSpan.FromSeconds(1));

        detail.WaitForAssertion(() =>
        {
            Assert.Single(detail.FindAll($"table[aria-label='{UiText.TracePage.AttributesSection}'] tr"));
            Assert.Contains(UiText.TracePage.NoAttributes, detail.Find($"section[aria-label='{UiText.TracePage.ResourceSection}']").TextContent);
        }, s_waitTimeout);
    }

    [Fact]
    public void AHugeOrMalformedMessage_IsShownAsTextAndCollapsed_UntilShowAll()
    {
        var huge = new string('x', 50_000);
        var detail = Render(new SpanRecord
        {
            TraceId = new string('a', 32),
            SpanId = new string('b', 16),
            Name = "chat gpt-4o",
            Operation = "chat",
            RequestModel = "gpt-4o",
            Attributes = [new("gen_ai.input.messages", "[{\"role\": \"user\", \"parts\": [{\"type\": \"text\", \"content\": \"" + huge + "\"}]}]"), new("gen_ai.output.messages", "{not json")],
        });

        var conversation = detail.Find($"[role=list][aria-label='{UiText.TracePage.ConversationSection}']");
        Assert.Contains("{not json", conversation.TextContent);
        Assert.True(conversation.TextContent.Length < 10_000);
        detail.FindAll("button").First(b => b.TextContent.Contains(UiText.TracePage.ShowAll)).Click();
        Assert.Contains(huge, detail.Find($"[role=list][aria-label='{UiText.TracePage.ConversationSection}']").TextContent);
    }

    [Fact]
    public void Links_ToAnotherTraceAreLinks_AndToThisTraceNameTheSpan()
    {
        var other = new string('c', 32);
        var detail = Render(new SpanRecord
        {
            TraceId = new string('a', 32),
            SpanId = new string('b', 16),
            Name = "consume",
            Links = [new SpanLink(other, new string('d', 16), [new("messaging.batch", "7")]), new SpanLink(new string('a', 32), new string('e', 16), [])],
        });

        var links = detail.Find($"section[aria-label='{UiText.TracePage.LinksSection}']");
        Assert.Equal($"monitoring/traces/{other}", links.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("messaging.batch", links.TextContent);
        Assert.Contains($"{UiText.TracePage.LinkSameTrace} {new string('e', 16)}", links.TextContent);
    }

    private IRenderedComponent<SpanDetail> Render(SpanRecord span) => Render<SpanDetail>(p => p
        .Add(d => d.Span, span)
        .Add(d => d.Category, SpanCategories.Of(span))
        .Add(d => d.TraceStart, span.StartTimeUnixNano));
}
