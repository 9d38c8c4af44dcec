using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

public sealed class EmbeddedToolFixture : IAsyncLifetime
{
    public DashboardServerFixture Portal { get; } = new();

    public FakeEmbeddedTool Tool { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Tool = await FakeEmbeddedTool.StartAsync();
        Portal.Server.Environment["Embeds__Langfuse__Url"] = Tool.BaseUrl;
        Portal.Server.Environment["Embeds__Langfuse__ServiceAccountEmail"] = FakeEmbeddedTool.Email;
        Portal.Server.Environment["Embeds__Langfuse__ServiceAccountPassword"] = FakeEmbeddedTool.Password;
        await Portal.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Tool.DisposeAsync();
    }
}

/// <summary>An embedded tool in a real browser: framed under the portal's origin, its absolute-path script and data loading through the proxy.</summary>
public class EmbeddedToolTests(EmbeddedToolFixture fixture) : IClassFixture<EmbeddedToolFixture>
{
    [Fact]
    public async Task Langfuse_LoadsInItsFrame_WithItsAbsolutePathScriptAndData_AndNoFrameBlocking()
    {
        await using var session = await BrowserSession.StartAsync(fixture.Portal.BaseAddress, width: 1440, height: 900);
        await fixture.Portal.SignInAsync(session);
        var page = session.Page;

        await page.GotoAsync("/tools/langfuse");
        await session.WaitForInteractiveAsync();
        var frame = page.FrameLocator("iframe[title='Langfuse']");
        await Assertions.Expect(frame.GetByRole(AriaRole.Heading, new() { Name = "Langfuse traces" })).ToBeVisibleAsync();
        await Assertions.Expect(frame.GetByText("app.js loaded, 3 traces")).ToBeVisibleAsync();
        await session.ScreenshotAsync("31-tools-langfuse");

        // The browser holds only the portal's cookies: the tool's session stays on the server.
        var cookies = await session.Context.CookiesAsync();
        Assert.DoesNotContain(cookies, c => c.Name.StartsWith("next-auth", StringComparison.Ordinal));
        Assert.Empty(session.ConsoleErrors);

        await page.GotoAsync("/tools");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = UiText.ToolsPage.Title, Level = 1 })).ToBeVisibleAsync();
        await session.ScreenshotAsync("32-tools");
        await page.GotoAsync("/tools/helicone");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("Embeds__Helicone__Url=http://helicone:3000")).ToBeVisibleAsync();
        await session.ScreenshotAsync("33-tools-not-configured");
    }
}
