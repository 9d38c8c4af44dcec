using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Model;
using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

public class PortalTourTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    private static readonly (string Menu, string Path, string Heading, string Screenshot)[] s_menu =
    [
        (UiText.Nav.Agents, "/registry", UiText.Registry.Title, "03-agents"),
        (UiText.Nav.Traces, "/monitoring/traces", UiText.TracesPage.Title, "04-traces"),
        (UiText.Nav.Compare, "/monitoring/compare", UiText.ComparePage.Title, "04b-compare"),
        (UiText.Nav.Chat, "/chat", UiText.Nav.Chat, "05-chat"),
        (UiText.Nav.Sql, "/sql", UiText.SqlPage.Title, "05b-sql"),
        (UiText.Nav.Tools, "/tools", UiText.Nav.Tools, "06-tools"),
        (UiText.Nav.Keys, "/admin/keys", UiText.Keys.Title, "06b-keys"),
        (UiText.Nav.People, "/admin/people", UiText.People.Title, "06c-people"),
        (UiText.Nav.Audit, "/admin/audit", UiText.AuditPage.Title, "06d-audit"),
        (UiText.Nav.Admin, "/admin", UiText.Admin.Title, "07-admin"),
        (UiText.Nav.Overview, "/", UiText.Overview.Title, "08-overview-again"),
    ];

    /// <summary>The dark palette's background, as the browser reports it.</summary>
    private const string DarkBackground = "rgb(18, 20, 28)";

    [Theory]
    [InlineData(1280, false)]
    [InlineData(1280, true)]
    [InlineData(1920, false)]
    [InlineData(1920, true)]
    public async Task EveryPage_FromTheMenu_InLightAndDark_AtTwoWidths_WithoutConsoleErrors(int width, bool dark)
    {
        var (agentId, traceId) = await SeedAsync();
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: width, height: width == 1920 ? 1080 : 800);
        var page = session.Page;
        var theme = dark ? "dark" : "light";
        if (dark)
        {
            await session.Context.AddCookiesAsync([new Cookie { Name = PortalTheme.CookieName, Value = PortalTheme.Dark, Url = portal.BaseAddress.ToString() }]);
        }

        await portal.SignInAsync(session, screenshot: $"01-sign-in-{theme}-{width}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = UiText.Overview.Title, Level = 1 })).ToBeVisibleAsync();
        Assert.Equal(dark, await BackgroundAsync(page) == DarkBackground);
        await session.ScreenshotAsync($"02-overview-{theme}-{width}");

        // A value on window survives only client-side (enhanced or interactive) navigation.
        await page.EvaluateAsync("() => window.__sameDocument = 'yes'");
        foreach (var (menu, path, heading, screenshot) in s_menu)
        {
            await page.GetByRole(AriaRole.Navigation, new() { Name = UiText.Nav.Main }).GetByRole(AriaRole.Link, new() { Name = menu, Exact = true }).ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
            await session.ScreenshotAsync($"{screenshot}-{theme}-{width}");
        }
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__sameDocument"));

        await page.GotoAsync($"/monitoring/agents/{agentId}");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "e2e-tour-agent", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".mud-chart svg path").First).ToBeAttachedAsync();
        await session.ScreenshotAsync($"09-agent-{theme}-{width}");
        await page.GotoAsync($"/monitoring/traces/{traceId}");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Treeitem)).ToHaveCountAsync(2);
        await session.ScreenshotAsync($"10-trace-{theme}-{width}");
        Assert.Equal(dark, await BackgroundAsync(page) == DarkBackground);

        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task DarkModeToggle_SwitchesAtOnce_AndIsKeptAcrossAReloadWithoutALightFlash()
    {
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        Assert.NotEqual(DarkBackground, await BackgroundAsync(page));

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Nav.DarkMode }).ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor === '{DarkBackground}'");
        var cookies = await session.Context.CookiesAsync();
        Assert.Contains(cookies, c => c.Name == PortalTheme.CookieName && c.Value == PortalTheme.Dark);

        // The server reads the cookie while prerendering: the first HTML is already dark.
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")));
        var html = await client.GetStringAsync("/");
        Assert.Contains("--mud-palette-background: rgba(18,20,28,1)", html, StringComparison.OrdinalIgnoreCase);

        // The first HTML carrying the dark palette (above) is what prevents a flash; once the page's
        // stylesheets have loaded it is dark, whether or not its circuit has started yet.
        await page.ReloadAsync(new() { WaitUntil = WaitUntilState.Load });
        Assert.Equal(DarkBackground, await BackgroundAsync(page));
        await session.ScreenshotAsync("11-overview-dark-after-reload");

        // The toggle answers once the page's circuit is up; a click before that is lost (seen on a loaded machine).
        await session.WaitForInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Nav.DarkMode }).ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor !== '{DarkBackground}'");
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
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "registry-database", Exact = true })).ToBeVisibleAsync();

        await page.WaitForTimeoutAsync(50);
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Admin.CheckAgain }).ClickAsync();

        await Assertions.Expect(checkedAt).Not.ToHaveTextAsync(before);
        await session.ScreenshotAsync("12-admin-1920");
        Assert.Empty(session.ConsoleErrors);
    }

    private static Task<string> BackgroundAsync(IPage page) => page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    /// <summary>An agent with one run holding one LLM call, so the agent and trace pages have something to show.</summary>
    private async Task<(string AgentId, string TraceId)> SeedAsync()
    {
        using var api = portal.CreateApiClient();
        var agentId = await SeedApi.RegisterAsync(api, "e2e-tour-agent", "flowise");
        return (agentId, await SeedApi.RunAsync(api, agentId, "tour question", model: "gpt-4o-mini", output: "tour answer"));
    }
}
