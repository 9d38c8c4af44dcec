using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>A portal whose LLM gateway is a loopback server speaking LiteLLM's OpenAI-compatible API.</summary>
public sealed class ChatPortalFixture : IAsyncLifetime
{
    public DashboardServerFixture Portal { get; } = new();

    public FakeLlmGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await FakeLlmGateway.StartAsync();
        Portal.Server.Environment["Llm__BaseUrl"] = Gateway.BaseUrl;
        Portal.Server.Environment["Llm__ApiKey"] = FakeLlmGateway.Key;
        Portal.Server.Environment["Llm__DefaultModel"] = "gpt-4o-mini";
        await Portal.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}

/// <summary>The chat page as an admin uses it: a streamed answer arriving piece by piece, stop, the answer's trace, saved conversations.</summary>
public class ChatPageTests(ChatPortalFixture fixture) : IClassFixture<ChatPortalFixture>
{
    [Fact]
    public async Task AStreamedAnswer_AppearsPieceByPiece_ShowsItsFigures_AndOpensItsTrace()
    {
        fixture.Gateway.PieceDelay = TimeSpan.FromMilliseconds(600);
        await using var session = await BrowserSession.StartAsync(fixture.Portal.BaseAddress, width: 1440, height: 900);
        var page = session.Page;
        await fixture.Portal.SignInAsync(session);
        await page.GotoAsync("/chat");
        await session.WaitForInteractiveAsync();
        // The model picker starts on the gateway's first model and says what it costs.
        await Assertions.Expect(page.GetByText(UiText.ChatPage.PerMillion).Or(page.GetByText(UiText.ChatPage.Unpriced, new() { Exact = true })).First).ToBeVisibleAsync();
        await session.ScreenshotAsync("60-chat-empty");

        var input = page.GetByLabel(UiText.ChatPage.Message);
        await input.FillAsync("Say hello");
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.ChatPage.Send }).ClickAsync();

        var answer = page.GetByTestId("chat-answer").Last;
        await Assertions.Expect(answer).ToContainTextAsync("Hello");
        // The first piece is on screen while the rest is still on its way.
        Assert.DoesNotContain("gateway.", await answer.InnerTextAsync());
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = UiText.ChatPage.Stop })).ToBeVisibleAsync();
        await session.ScreenshotAsync("61-chat-streaming");

        await Assertions.Expect(answer).ToContainTextAsync("Hello from the gateway.");
        var figures = answer.GetByTestId("chat-figures");
        await Assertions.Expect(figures).ToContainTextAsync("12 in");
        await Assertions.Expect(figures).ToContainTextAsync("4 out");
        await Assertions.Expect(figures).ToContainTextAsync(UiText.ChatPage.FirstToken);
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = UiText.ChatPage.Conversations })).ToContainTextAsync("Say hello");
        await session.ScreenshotAsync("62-chat-answered");

        await figures.GetByRole(AriaRole.Link, new() { Name = UiText.ChatPage.OpenTrace }).ClickAsync();
        await page.WaitForURLAsync("**/monitoring/traces/*");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("chat gpt-4o-mini").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Hello from the gateway.").First).ToBeVisibleAsync();
        await session.ScreenshotAsync("63-chat-trace");
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Stop_EndsTheAnswer_KeepingWhatArrived()
    {
        fixture.Gateway.PieceDelay = TimeSpan.FromSeconds(2);
        await using var session = await BrowserSession.StartAsync(fixture.Portal.BaseAddress);
        var page = session.Page;
        await fixture.Portal.SignInAsync(session);
        await page.GotoAsync("/chat");
        await session.WaitForInteractiveAsync();

        await page.GetByLabel(UiText.ChatPage.Message).FillAsync("Tell me a long story");
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.ChatPage.Send }).ClickAsync();
        var answer = page.GetByTestId("chat-answer").Last;
        await Assertions.Expect(answer).ToContainTextAsync("Hello", new() { Timeout = 10_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.ChatPage.Stop }).ClickAsync();

        await Assertions.Expect(answer).ToContainTextAsync("Stopped before the answer was complete.");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = UiText.ChatPage.Send })).ToBeVisibleAsync();
        Assert.DoesNotContain("gateway.", await answer.InnerTextAsync());
        await session.ScreenshotAsync("64-chat-stopped");
        Assert.Empty(session.ConsoleErrors);
    }

    /// <summary>
    /// The text-to-SQL acceptance test: a question becomes SQL, the SQL runs on a click, the agent
    /// vanna-portal-telemetry appears in Agent Usage, and its trace opens on the detail page.
    /// </summary>
    [Fact]
    public async Task TextToSql_ShowsSqlForAQuestion_RunsItOnAClick_AndItsAgentAndTraceShow()
    {
        fixture.Gateway.PieceDelay = TimeSpan.Zero;
        await using var session = await BrowserSession.StartAsync(fixture.Portal.BaseAddress, width: 1440, height: 900);
        var page = session.Page;
        await fixture.Portal.SignInAsync(session);
        await page.GotoAsync("/sql");
        await session.WaitForInteractiveAsync();

        await page.GetByLabel(UiText.SqlPage.Question).FillAsync("show the latest 10 rows of otel_traces");
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.SqlPage.Ask }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("sql-text")).ToContainTextAsync("FROM spans");
        await session.ScreenshotAsync("65-sql-proposed");

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.SqlPage.Run, Exact = true }).ClickAsync();
        var results = page.GetByRole(AriaRole.Region, new() { Name = UiText.SqlPage.Results });
        await Assertions.Expect(results).ToContainTextAsync("trace_id");
        // The text-to-SQL call itself is a span of the store, so there is at least one row.
        await Assertions.Expect(results.GetByRole(AriaRole.Row).Nth(1)).ToBeVisibleAsync();
        await session.ScreenshotAsync("66-sql-results");

        await page.GotoAsync("/");
        await session.WaitForInteractiveAsync();
        var usage = page.GetByRole(AriaRole.Region, new() { Name = UiText.Overview.AgentUsage });
        await Assertions.Expect(usage).ToContainTextAsync("vanna-portal-telemetry");
        await usage.GetByRole(AriaRole.Link, new() { Name = "vanna-portal-telemetry" }).ClickAsync();
        await page.WaitForURLAsync("**/monitoring/agents/*");
        await session.WaitForInteractiveAsync();
        var run = page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.Runs }).GetByRole(AriaRole.Row).Filter(new() { HasText = "show the latest 10 rows of otel_traces" });
        await Assertions.Expect(run).ToBeVisibleAsync();
        await run.Locator("a[href^='monitoring/traces/']").First.ClickAsync();
        await page.WaitForURLAsync("**/monitoring/traces/*");
        await session.WaitForInteractiveAsync();
        // The trace loads after the page is interactive; on a loaded CI machine that can take longer than the default 5 s.
        await Assertions.Expect(page.GetByRole(AriaRole.Treeitem).Filter(new() { HasText = "chat gpt-4o-mini" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Treeitem).Filter(new() { HasText = "sql.query portal-telemetry" })).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await session.ScreenshotAsync("67-sql-trace");
        Assert.Empty(session.ConsoleErrors);
    }
}
