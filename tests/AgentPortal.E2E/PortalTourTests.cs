using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

public class PortalTourTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    private static readonly (string Menu, string Path, string Heading, string Screenshot)[] s_menu =
    [
        ("Agents", "/registry", "Agents", "03-agents"),
        ("Traces", "/monitoring/traces", "Traces", "04-traces"),
        ("Compare", "/monitoring/compare", "Compare agents", "04b-compare"),
        ("Chat", "/chat", "Chat", "05-chat"),
        ("Tools", "/tools", "Tools", "06-tools"),
        ("Admin", "/admin", "Administration", "07-admin"),
        ("Overview", "/", "Overview", "08-overview-again"),
    ];

    [Fact]
    public async Task SignIn_TourEveryPageFromTheMenu_ToggleDarkMode_WithoutConsoleErrors()
    {
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;

        await portal.SignInAsync(session, screenshot: "01-sign-in");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await session.ScreenshotAsync("02-overview");

        // A value on window survives only client-side (enhanced or interactive) navigation.
        await page.EvaluateAsync("() => window.__sameDocument = 'yes'");

        foreach (var (menu, path, heading, screenshot) in s_menu)
        {
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = menu, Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
            await session.ScreenshotAsync(screenshot);
        }
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__sameDocument"));

        var theme = page.Locator("#radzen-theme-link");
        Assert.DoesNotContain("dark", await theme.GetAttributeAsync("href"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await Assertions.Expect(theme).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("material-dark"));
        await page.WaitForTimeoutAsync(300);
        await session.ScreenshotAsync("09-overview-dark");

        await page.GetByRole(AriaRole.Link, new() { Name = "Admin", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Administration", Level = 1 })).ToBeVisibleAsync();
        await session.ScreenshotAsync("10-admin-dark");

        // The choice is kept in a cookie: a full reload comes back dark without a light flash.
        await page.ReloadAsync();
        Assert.Contains("material-dark", await theme.GetAttributeAsync("href"));

        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Admin_CheckAgain_RunsTheChecksOnTheServerAndUpdatesThePage()
    {
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: 1920, height: 1080);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync("/admin");
        await session.WaitForInteractiveAsync();

        var checkedAt = page.GetByTestId("dependencies-checked-at");
        await Assertions.Expect(checkedAt).ToBeVisibleAsync();
        var before = await checkedAt.InnerTextAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = "registry-database" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = DashboardServerFixture.AdminEmail })).ToBeVisibleAsync();

        await page.WaitForTimeoutAsync(50);
        await page.GetByRole(AriaRole.Button, new() { Name = "Check again" }).ClickAsync();

        await Assertions.Expect(checkedAt).Not.ToHaveTextAsync(before);
        await session.ScreenshotAsync("11-admin-1920");
        Assert.Empty(session.ConsoleErrors);
    }
}
