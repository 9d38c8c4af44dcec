using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>Seeds agents, runs and LLM calls through the HTTP API, then reads them as an admin would.</summary>
public class MonitoringPagesTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task Overview_ShowsTheApisNumbers_ThenAgent_ThenTrace_ThenSpan()
    {
        using var api = portal.CreateApiClient();
        var (agentId, traceId) = await SeedAsync(api);
        using var stats = JsonDocument.Parse(await api.GetStringAsync($"/agents/{agentId}/stats"));

        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: 1920, height: 1080);
        var page = session.Page;
        await portal.SignInAsync(session);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = UiText.Overview.AgentUsage })).ToBeVisibleAsync();

        var runsTile = page.GetByRole(AriaRole.Listitem, new() { Name = UiText.Overview.Runs }).GetByTestId("tile-value");
        await Assertions.Expect(runsTile).ToHaveTextAsync(stats.RootElement.GetProperty("runs").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        var callsTile = page.GetByRole(AriaRole.Listitem, new() { Name = UiText.Overview.LlmCalls }).GetByTestId("tile-value");
        await Assertions.Expect(callsTile).ToHaveTextAsync(stats.RootElement.GetProperty("llm_calls").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "e2e-sales-agent" });
        await Assertions.Expect(row).ToContainTextAsync("vanna");
        await Assertions.Expect(row).ToContainTextAsync("50 %");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.Overview.ModelUsage }).GetByRole(AriaRole.Cell, new() { Name = "gpt-4o-mini" })).ToBeVisibleAsync();
        await session.ScreenshotAsync("20-overview-with-data");

        await row.GetByRole(AriaRole.Link, new() { Name = "e2e-sales-agent" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "e2e-sales-agent", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Listitem, new() { Name = UiText.Overview.Runs }).GetByTestId("tile-value"))
            .ToHaveTextAsync(stats.RootElement.GetProperty("runs").GetInt64().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        // The hourly charts draw their series once they know their size.
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = UiText.AgentPage.RunsAndErrors }).Locator("svg path").First).ToBeAttachedAsync();
        // The runs list reads its first page after the rest of the page: the picture shows the page with it.
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.Runs })).ToContainTextAsync("SQL failed");
        await session.ScreenshotAsync("21-agent");
        await Assertions.Expect(page.GetByText("SQL failed").First).ToBeVisibleAsync();

        await page.GotoAsync($"/monitoring/agents/{agentId}?status=error");
        using var errorRuns = JsonDocument.Parse(await api.GetStringAsync($"/agents/{agentId}/traces?status=error"));
        var apiRun = errorRuns.RootElement.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("trace_id").GetString() == traceId);
        var runRow = page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.Runs }).GetByRole(AriaRole.Row).Filter(new() { Has = page.Locator($"a[href='monitoring/traces/{traceId}']") });
        await Assertions.Expect(runRow).ToContainTextAsync(Dashboard.Model.Display.Cost(apiRun.GetProperty("cost").GetDecimal()));
        await runRow.ScrollIntoViewIfNeededAsync();
        await session.ScreenshotAsync("21b-agent-runs");
        // The runs list's link; the top errors table links the same trace as "latest trace".
        await page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.Runs }).Locator($"a[href='monitoring/traces/{traceId}']").ClickAsync();
        await page.WaitForURLAsync($"**/monitoring/traces/{traceId}");
        await Assertions.Expect(page.GetByTestId("run-cost")).ToHaveTextAsync(Dashboard.Model.Display.Cost(apiRun.GetProperty("cost").GetDecimal()));
        await Assertions.Expect(page.GetByRole(AriaRole.Treeitem)).ToHaveCountAsync(3);
        await page.GetByRole(AriaRole.Treeitem).Filter(new() { HasText = "chat gpt-4o-mini" }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Rowheader, new() { Name = "gen_ai.request.model" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.TracePage.GenAiSection, Exact = true })).ToContainTextAsync("120 in / 30 out");
        await session.ScreenshotAsync("22-trace");
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Traces_SearchRunsAcrossAgents_ByStatusAndText()
    {
        using var api = portal.CreateApiClient();
        await SeedAsync(api);
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);

        await page.GotoAsync("/monitoring/traces?status=error");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("SQL failed").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "e2e-sales-agent" }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("How many orders in week 1?")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("24-traces-errors");

        await page.GotoAsync("/monitoring/traces?search=week%201");
        await Assertions.Expect(page.GetByText("How many orders in week 1?").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("How many orders in week 0?")).ToHaveCountAsync(0);
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task AgentPage_AdminDeactivatesAndTurnsMonitoringOff_AndTheApiSeesIt()
    {
        using var api = portal.CreateApiClient();
        using var agent = JsonDocument.Parse(await (await api.PostAsJsonAsync("/agents/register", new { name = "e2e-toggled", type = "autogen" })).Content.ReadAsStringAsync());
        var id = agent.RootElement.GetProperty("id").GetString();
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync($"/monitoring/agents/{id}");
        await session.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.AgentPage.Deactivate, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = UiText.AgentPage.Activate, Exact = true })).ToBeVisibleAsync();
        Assert.Equal("inactive", JsonDocument.Parse(await api.GetStringAsync($"/agents/{id}")).RootElement.GetProperty("status").GetString());
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await api.PostAsJsonAsync($"/agents/{id}/trace/start", new { })).StatusCode);

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.AgentPage.Activate, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = UiText.AgentPage.Deactivate, Exact = true })).ToBeVisibleAsync();
        var monitoring = page.GetByRole(AriaRole.Switch, new() { Name = UiText.AgentPage.Monitoring });
        await Assertions.Expect(monitoring).ToBeCheckedAsync();
        await monitoring.ClickAsync();
        await Assertions.Expect(page.GetByText(UiText.AgentPage.MonitoringOff)).ToBeVisibleAsync();
        await session.ScreenshotAsync("25-agent-toggled");

        using var after = JsonDocument.Parse(await api.GetStringAsync($"/agents/{id}"));
        Assert.Equal("active", after.RootElement.GetProperty("status").GetString());
        Assert.False(after.RootElement.GetProperty("monitoring_enabled").GetBoolean());
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Admin_AddsAModelPrice_AndItIsListed()
    {
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: 1920, height: 1080);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync("/admin");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "gpt-4o-mini", Exact = true })).ToBeVisibleAsync();

        await page.GetByLabel(UiText.Prices.Model, new() { Exact = true }).FillAsync("e2e-house-model");
        await page.GetByLabel(UiText.Prices.Input, new() { Exact = true }).FillAsync("1.5");
        await page.GetByLabel(UiText.Prices.Output, new() { Exact = true }).FillAsync("4");
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Prices.Save }).ClickAsync();

        await Assertions.Expect(page.GetByText("Saved the price of e2e-house-model")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "e2e-house-model", Exact = true })).ToBeVisibleAsync();
        await session.ScreenshotAsync("26-admin-prices");
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Registry_ListsAgents_WithFiltersKeptInTheUrl()
    {
        using var api = portal.CreateApiClient();
        await api.PostAsJsonAsync("/agents/register", new { name = "e2e-registry-flow", type = "langflow", external_id = "flow-e2e-1" });
        await api.PostAsJsonAsync("/agents/register", new { name = "e2e-registry-vanna", type = "vanna" });
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);

        await page.GotoAsync("/registry?type=langflow");
        await session.WaitForInteractiveAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "e2e-registry-flow" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "e2e-registry-vanna" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "flow-e2e-1" })).ToBeVisibleAsync();
        await session.ScreenshotAsync("23-registry-filtered");

        await page.GotoAsync("/registry?search=no-such-agent-anywhere");
        await Assertions.Expect(page.GetByText(UiText.Registry.NoAgents)).ToBeVisibleAsync();
        Assert.Empty(session.ConsoleErrors);
    }

    private static async Task<(string AgentId, string FirstTraceId)> SeedAsync(HttpClient api)
    {
        using var agent = JsonDocument.Parse(await (await api.PostAsJsonAsync("/agents/register", new { name = "e2e-sales-agent", type = "vanna", external_id = "conn-e2e" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString()!;
        await api.PostAsJsonAsync("/agents/register", new { name = "e2e-idle-flow", type = "langflow" });
        string? first = null;
        for (var i = 0; i < 2; i++)
        {
            using var run = JsonDocument.Parse(await (await api.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = $"How many orders in week {i}?" })).Content.ReadAsStringAsync());
            var traceId = run.RootElement.GetProperty("trace_id").GetString()!;
            var rootSpan = run.RootElement.GetProperty("span_id").GetString()!;
            first ??= traceId;
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            var spans = string.Join(",", Enumerable.Range(0, 2).Select(n => $$$"""
                {"traceId": "{{{traceId}}}", "spanId": "{{{(i * 10 + n + 1):x16}}}", "parentSpanId": "{{{rootSpan}}}", "name": "chat gpt-4o-mini", "kind": 3,
                 "startTimeUnixNano": "{{{now + n * 1000}}}", "endTimeUnixNano": "{{{now + n * 1000 + 400_000_000}}}",
                 "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o-mini"}},
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": 120}},
                                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 30}}]}
                """));
            var body = $$$"""{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "vanna"}}]}, "scopeSpans": [{"spans": [{{{spans}}}]}]}]}""";
            (await api.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            (await api.PostAsJsonAsync($"/agents/{agentId}/trace/end", i == 0
                ? new { trace_id = traceId, status = "error", error = (string?)"SQL failed" }
                : new { trace_id = traceId, status = "ok", error = (string?)null })).EnsureSuccessStatusCode();
        }
        return (agentId, first!);
    }
}
