using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Model;
using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>An admin debugging a run: the trace header, collapsing a subtree, finding a span by an attribute, zooming, reading an LLM call's conversation.</summary>
public class TraceExplorerTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task RunWithToolsAndLlmCalls_CollapseFindZoomAndReadTheConversation()
    {
        using var api = portal.CreateApiClient();
        var traceId = await SeedApi.RunWithToolsAsync(api, "e2e-trip-planner");
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: 1920, height: 1080);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync($"/monitoring/traces/{traceId}");
        await session.WaitForInteractiveAsync();

        var rows = page.GetByRole(AriaRole.Treeitem);
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        await Assertions.Expect(page.GetByTestId("trace-spans")).ToHaveTextAsync("5");
        await Assertions.Expect(page.GetByTestId("trace-llm-calls")).ToHaveTextAsync("2");
        await Assertions.Expect(page.GetByTestId("trace-errors")).ToHaveTextAsync("1");
        await session.ScreenshotAsync("40-trace-explorer");

        // Collapse the tool's subtree with its toggle, and expand it again from the keyboard.
        var tool = rows.Filter(new() { HasText = "execute_tool search_flights" });
        await tool.Locator(".toggle").ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(tool).ToHaveAttributeAsync("aria-expanded", "false");
        await session.ScreenshotAsync("41-trace-collapsed");
        await tool.FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(rows).ToHaveCountAsync(5);
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(rows.Filter(new() { HasText = "chat gpt-4o-mini" })).ToHaveAttributeAsync("aria-selected", "true");

        // The LLM call's conversation: system instructions, the user's message, the assistant's tool call.
        var conversation = page.GetByRole(AriaRole.List, new() { Name = UiText.TracePage.ConversationSection });
        await Assertions.Expect(conversation.GetByRole(AriaRole.Listitem, new() { Name = "system" })).ToContainTextAsync("You are a travel planner.");
        await Assertions.Expect(conversation.GetByRole(AriaRole.Listitem, new() { Name = "user" })).ToContainTextAsync("Plan a 3-day trip to Busan");
        await Assertions.Expect(conversation.GetByRole(AriaRole.Listitem, new() { Name = "assistant" })).ToContainTextAsync("search_flights");
        await session.ScreenshotAsync("42-trace-conversation");

        // Find a span by an attribute value: it shows with its ancestors, and the address keeps the find.
        var find = page.GetByLabel(UiText.TracePage.Find);
        await find.FillAsync("flights.example");
        await find.PressAsync("Enter");
        await page.WaitForURLAsync("**q=flights.example*");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(page.GetByTestId("match-count")).ToHaveTextAsync("1 of 1");
        await Assertions.Expect(rows.Filter(new() { HasText = "GET flights-api" })).ToHaveAttributeAsync("aria-selected", "true");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.TracePage.SpanSection, Exact = true })).ToContainTextAsync("upstream 502");
        await session.ScreenshotAsync("43-trace-find");
        await page.ReloadAsync();
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(3);

        // Drag across the time axis to zoom into its first half, then reset.
        await page.GotoAsync($"/monitoring/traces/{traceId}");
        await session.WaitForInteractiveAsync();
        var axis = page.GetByRole(AriaRole.Slider, new() { Name = UiText.TracePage.Axis });
        var box = (await axis.BoundingBoxAsync())!;
        var reset = page.GetByRole(AriaRole.Button, new() { Name = UiText.TracePage.ResetZoom });
        await Assertions.Expect(reset).ToBeDisabledAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.05f, box.Y + box.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.5f, box.Y + box.Height / 2, new() { Steps = 5 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(reset).ToBeEnabledAsync();
        await session.ScreenshotAsync("44-trace-zoomed");
        await reset.ClickAsync();
        await Assertions.Expect(reset).ToBeDisabledAsync();

        // The same page in dark.
        await session.Context.AddCookiesAsync([new Cookie { Name = PortalTheme.CookieName, Value = PortalTheme.Dark, Url = portal.BaseAddress.ToString() }]);
        await page.ReloadAsync();
        await session.WaitForInteractiveAsync();
        await rows.Filter(new() { HasText = "chat gpt-4o-mini" }).ClickAsync();
        await Assertions.Expect(conversation.GetByRole(AriaRole.Listitem, new() { Name = "system" })).ToBeVisibleAsync();
        await session.ScreenshotAsync("45-trace-conversation-dark");
        Assert.Empty(session.ConsoleErrors);
    }
}
