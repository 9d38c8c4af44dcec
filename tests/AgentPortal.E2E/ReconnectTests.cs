using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>
/// Guards the blazor.web.js taken from the 9.0 runtime package (DESIGN.md): when the server restarts,
/// the reconnect dialog shows, and the page comes back on its own and is interactive again.
/// </summary>
public class ReconnectTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task ServerRestart_ShowsReconnectDialog_ThenPageRecoversSignedIn()
    {
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync("/admin");
        await session.WaitForInteractiveAsync();

        await portal.Server.StopAsync();

        var dialog = page.Locator("#components-reconnect-modal");
        await Assertions.Expect(dialog).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("components-reconnect-(show|failed)"), new() { Timeout = 30_000 });
        await Assertions.Expect(dialog.Locator("p:visible")).ToContainTextAsync(new System.Text.RegularExpressions.Regex("Connection lost|Could not reconnect"));
        await session.ScreenshotAsync("12-reconnecting");

        await page.EvaluateAsync("() => delete document.documentElement.dataset.interactive");
        await portal.Server.StartAsync();

        // The new server refuses the old circuit; the page reloads and a new circuit starts.
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(dialog).Not.ToBeVisibleAsync();
        Assert.EndsWith("/admin", page.Url);
        var checkedAt = page.GetByTestId("dependencies-checked-at");
        await Assertions.Expect(checkedAt).ToBeVisibleAsync();
        var before = await checkedAt.InnerTextAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Check again" }).ClickAsync();
        await Assertions.Expect(checkedAt).Not.ToHaveTextAsync(before);
        await session.ScreenshotAsync("13-recovered");
    }
}
