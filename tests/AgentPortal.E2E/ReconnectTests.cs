using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>
/// Guards .NET 10's reconnect handling with the portal's ReconnectModal: when the server restarts, the
/// dialog shows, and the page comes back on its own, signed in and interactive again.
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
        await Assertions.Expect(dialog).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("components-reconnect-(show|retrying|failed)"), new() { Timeout = 30_000 });
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(dialog.GetByRole(AriaRole.Heading, new() { Name = UiText.Reconnect.Title })).ToBeVisibleAsync();
        await Assertions.Expect(dialog.Locator("p:visible").First).ToContainTextAsync(new System.Text.RegularExpressions.Regex($"{UiText.Reconnect.Reconnecting}|{UiText.Reconnect.Retrying}|{UiText.Reconnect.Failed}"));
        await session.ScreenshotAsync("13-reconnecting");

        await page.EvaluateAsync("() => delete document.documentElement.dataset.interactive");
        await portal.Server.StartAsync();

        // The new server refuses the old circuit; the page reloads and a new circuit starts.
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(dialog).Not.ToBeVisibleAsync();
        Assert.EndsWith("/admin", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = UiText.Admin.Title, Level = 1 })).ToBeVisibleAsync();
        var checkedAt = page.GetByTestId("dependencies-checked-at");
        await Assertions.Expect(checkedAt).ToBeVisibleAsync();
        var before = await checkedAt.InnerTextAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Admin.CheckAgain }).ClickAsync();
        await Assertions.Expect(checkedAt).Not.ToHaveTextAsync(before);
        await session.ScreenshotAsync("14-recovered");
    }
}
