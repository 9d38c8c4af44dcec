using System.Globalization;
using System.Text.Json;
using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>Top errors, copy buttons, model and name filters, compare, the agent form, live updates and custom periods.</summary>
public class MonitoringFeaturesTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task AgentPage_ShowsTopErrorsAndCostPerHour_AndCopiesTheAgentId()
    {
        using var api = portal.CreateApiClient();
        var agentId = await SeedApi.RegisterAsync(api, "e2e-errors-agent", "vanna");
        await SeedApi.RunAsync(api, agentId, "q1", error: "SQL failed: no such table orders");
        await SeedApi.RunAsync(api, agentId, "q2", error: "SQL failed: no such table orders");
        await SeedApi.RunAsync(api, agentId, "q3", error: "timeout");
        await SeedApi.RunAsync(api, agentId, "q4");
        using var errors = JsonDocument.Parse(await api.GetStringAsync($"/agents/{agentId}/errors"));
        Assert.Equal(2, errors.RootElement[0].GetProperty("count").GetInt64());

        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: 1920, height: 1080);
        await session.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync($"/monitoring/agents/{agentId}");
        await session.WaitForInteractiveAsync();

        var table = page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.TopErrors });
        var first = table.GetByRole(AriaRole.Row).Nth(1);
        await Assertions.Expect(first).ToContainTextAsync("SQL failed: no such table orders");
        await Assertions.Expect(first.GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("2");
        await Assertions.Expect(table.GetByRole(AriaRole.Row).Nth(2)).ToContainTextAsync("timeout");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = UiText.AgentPage.CostPerHour })).ToBeVisibleAsync();
        await session.ScreenshotAsync("30-agent-top-errors");

        await page.GetByRole(AriaRole.Button, new() { Name = "Copy agent id" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Copied agent id")).ToBeVisibleAsync();
        Assert.Equal(agentId, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        await first.GetByRole(AriaRole.Link, new() { Name = "latest trace" }).ClickAsync();
        await page.WaitForURLAsync("**/monitoring/traces/*");
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.TracePage.SpanSection, Exact = true })).ToContainTextAsync("SQL failed: no such table orders");
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = UiText.TracePage.ConversationSection }).GetByRole(AriaRole.Listitem, new() { Name = "user" })).ToContainTextAsync("q2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy trace id" }).ClickAsync();
        // The copy is a round trip to the server and back to the browser: read the clipboard once the page says it is done.
        await Assertions.Expect(page.GetByText("Copied trace id")).ToBeVisibleAsync();
        Assert.Equal(page.Url.Split('/')[^1], await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Traces_FilterByModelAndSpanName_FromTheFormAndTheUrl()
    {
        using var api = portal.CreateApiClient();
        var agentId = await SeedApi.RegisterAsync(api, "e2e-model-agent", "langflow");
        var withCall = await SeedApi.RunAsync(api, agentId, "needs an llm", model: "e2e-model-x");
        await SeedApi.RunAsync(api, agentId, "no llm call here");
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);

        await page.GotoAsync($"/monitoring/traces?agent={agentId}&model=e2e-model-x");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("needs an llm")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("no llm call here")).ToHaveCountAsync(0);
        await session.ScreenshotAsync("31-traces-by-model");

        await page.GotoAsync($"/monitoring/traces?agent={agentId}");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("no llm call here")).ToBeVisibleAsync();
        // The model has no price: its run says so, and the run without LLM calls has no cost at all.
        var runs = page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.Runs }).GetByRole(AriaRole.Row);
        await Assertions.Expect(runs.Filter(new() { HasText = "needs an llm" })).ToContainTextAsync("no price");
        await Assertions.Expect(runs.Filter(new() { HasText = "needs an llm" }).GetByTitle("No price for: e2e-model-x")).ToBeVisibleAsync();
        await Assertions.Expect(runs.Filter(new() { HasText = "no llm call here" })).Not.ToContainTextAsync("no price");
        var name = page.GetByLabel(UiText.TracesPage.Name, new() { Exact = true });
        await name.FillAsync("chat e2e-model");
        await name.PressAsync("Enter");
        await page.WaitForURLAsync("**name=chat*");
        await Assertions.Expect(page.GetByText("no llm call here")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"a[href='monitoring/traces/{withCall}']")).ToBeVisibleAsync();
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Traces_OfAnAgentThatSpeaksOnlyOpenTelemetry_FilterBySessionFromTheForm()
    {
        using var api = portal.CreateApiClient();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        string Trace(string input, string session, string user)
        {
            var traceId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            return $$$"""
                {"traceId": "{{{traceId}}}", "spanId": "00000000000000a1", "name": "invoke_agent e2e-otel-concierge", "kind": 1,
                 "startTimeUnixNano": "{{{now}}}", "endTimeUnixNano": "{{{now + 1_500_000_000}}}",
                 "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
                                {"key": "input.value", "value": {"stringValue": "{{{input}}}"}}]},
                {"traceId": "{{{traceId}}}", "spanId": "00000000000000b1", "parentSpanId": "00000000000000a1", "name": "chat gpt-4o", "kind": 3,
                 "startTimeUnixNano": "{{{now + 100_000_000}}}", "endTimeUnixNano": "{{{now + 900_000_000}}}",
                 "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}, {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                                {"key": "session.id", "value": {"stringValue": "{{{session}}}"}}, {"key": "user.id", "value": {"stringValue": "{{{user}}}"}}]}
                """;
        }
        var body = $$$"""
            {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "e2e-otel-concierge"}}]},
              "scopeSpans": [{"spans": [{{{Trace("book a table for two", "e2e-session-1", "kim")}}}, {{{Trace("find a hotel in Busan", "e2e-session-2", "lee")}}}]}]}]}
            """;
        (await api.PostAsync("/v1/traces", new StringContent(body, System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);

        await page.GotoAsync("/monitoring/traces");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("book a table for two")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("find a hotel in Busan")).ToBeVisibleAsync();
        var field = page.GetByLabel(UiText.TracesPage.Session, new() { Exact = true });
        await field.FillAsync("e2e-session-2");
        await field.PressAsync("Enter");
        await page.WaitForURLAsync("**session=e2e-session-2*");
        await Assertions.Expect(page.GetByText("book a table for two")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText("find a hotel in Busan")).ToBeVisibleAsync();
        var runs = page.GetByRole(AriaRole.Region, new() { Name = UiText.AgentPage.Runs }).GetByRole(AriaRole.Row);
        await Assertions.Expect(runs.Filter(new() { HasText = "find a hotel in Busan" })).ToContainTextAsync("e2e-otel-concierge");
        await session.ScreenshotAsync("46-traces-by-session");
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Compare_TwoAgents_ShowsEachAgentsTilesAndOverlaidSeries()
    {
        using var api = portal.CreateApiClient();
        var a = await SeedApi.RegisterAsync(api, "e2e-compare-a", "vanna");
        var b = await SeedApi.RegisterAsync(api, "e2e-compare-b", "flowise");
        await SeedApi.RunAsync(api, a, "a1");
        await SeedApi.RunAsync(api, a, "a2", error: "boom");
        await SeedApi.RunAsync(api, a, "a3");
        await SeedApi.RunAsync(api, b, "b1");
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress, width: 1920, height: 1080);
        var page = session.Page;
        await portal.SignInAsync(session);

        await page.GotoAsync($"/monitoring/compare?agents={a}");
        await Assertions.Expect(page.GetByText(UiText.ComparePage.Choose)).ToBeVisibleAsync();

        await page.GotoAsync($"/monitoring/compare?agents={a},{b}");
        await session.WaitForInteractiveAsync();
        foreach (var (id, name) in new[] { (a, "e2e-compare-a"), (b, "e2e-compare-b") })
        {
            using var stats = JsonDocument.Parse(await api.GetStringAsync($"/agents/{id}/stats"));
            var column = page.GetByRole(AriaRole.Region, new() { Name = name });
            await Assertions.Expect(column.GetByRole(AriaRole.Listitem, new() { Name = "Runs" }).GetByTestId("tile-value"))
                .ToHaveTextAsync(stats.RootElement.GetProperty("runs").GetInt64().ToString("N0", CultureInfo.InvariantCulture));
        }
        var runsChart = page.GetByRole(AriaRole.Heading, new() { Name = UiText.ComparePage.RunsPerHour });
        await Assertions.Expect(runsChart).ToBeVisibleAsync();
        foreach (var chart in new[] { UiText.ComparePage.RunsPerHour, UiText.ComparePage.ErrorsPerHour, UiText.ComparePage.P95PerHour, UiText.ComparePage.CostPerHour })
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = chart }).GetByText("e2e-compare-b")).ToBeVisibleAsync();
        }
        await session.ScreenshotAsync("32-compare");
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task Registry_AnOperatorRegistersAndEditsAnAgent_ThroughTheForm()
    {
        using var api = portal.CreateApiClient();
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync("/registry");
        await session.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Registry.RegisterAgent }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel(UiText.AgentForm.Name, new() { Exact = true }).FillAsync("e2e-form-agent");
        await dialog.GetByLabel(UiText.AgentForm.Config).FillAsync("[1, 2]");
        await dialog.GetByRole(AriaRole.Button, new() { Name = UiText.AgentForm.Register, Exact = true }).ClickAsync();
        await Assertions.Expect(dialog.GetByText("Config must be a JSON object")).ToBeVisibleAsync();
        await session.ScreenshotAsync("33-register-form-error");
        await dialog.GetByLabel(UiText.AgentForm.Config).FillAsync("{\"database\": \"sales\"}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = UiText.AgentForm.Register, Exact = true }).ClickAsync();

        await page.WaitForURLAsync("**/monitoring/agents/*");
        var id = page.Url.Split('/')[^1].Split('?')[0];
        using (var agent = JsonDocument.Parse(await api.GetStringAsync($"/agents/{id}")))
        {
            Assert.Equal("e2e-form-agent", agent.RootElement.GetProperty("name").GetString());
            Assert.Equal("portal", agent.RootElement.GetProperty("registered_via").GetString());
            Assert.Equal("sales", agent.RootElement.GetProperty("config").GetProperty("database").GetString());
        }

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.AgentPage.Edit, Exact = true }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByRole(AriaRole.Switch, new() { Name = UiText.AgentForm.Active }).ClickAsync();
        await dialog.GetByLabel(UiText.AgentForm.Config).FillAsync("{\"database\": \"finance\"}");
        await session.ScreenshotAsync("34-edit-form");
        await dialog.GetByRole(AriaRole.Button, new() { Name = UiText.AgentForm.Save, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText(UiText.AgentForm.Saved)).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Activate", Exact = true })).ToBeVisibleAsync();
        using (var edited = JsonDocument.Parse(await api.GetStringAsync($"/agents/{id}")))
        {
            Assert.Equal("inactive", edited.RootElement.GetProperty("status").GetString());
            Assert.Equal("finance", edited.RootElement.GetProperty("config").GetProperty("database").GetString());
        }

        await page.GotoAsync("/registry");
        await session.WaitForInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Registry.RegisterAgent }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByLabel(UiText.AgentForm.Name, new() { Exact = true }).FillAsync("e2e-form-agent");
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = UiText.AgentForm.Register, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog).GetByText("already exists in project 'default-project'")).ToBeVisibleAsync();
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task LiveUpdates_ShowNewRunsWithoutReload_AndPauseHoldsThem()
    {
        using var api = portal.CreateApiClient();
        var agentId = await SeedApi.RegisterAsync(api, "e2e-live-agent", "autogen");
        await SeedApi.RunAsync(api, agentId, "first");
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync($"/monitoring/agents/{agentId}");
        await session.WaitForInteractiveAsync();
        var runs = page.GetByRole(AriaRole.Listitem, new() { Name = "Runs" }).GetByTestId("tile-value");
        await Assertions.Expect(runs).ToHaveTextAsync("1");

        await SeedApi.RunAsync(api, agentId, "second");
        await Assertions.Expect(runs).ToHaveTextAsync("2", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByText("second")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("live-updated")).ToBeVisibleAsync();

        await page.GetByTestId("live-updates").GetByRole(AriaRole.Switch, new() { Name = UiText.Live.Switch }).ClickAsync();
        await Assertions.Expect(page.GetByText(UiText.Live.Paused, new() { Exact = true })).ToBeVisibleAsync();
        await SeedApi.RunAsync(api, agentId, "third");
        await page.WaitForTimeoutAsync(7_000);
        await Assertions.Expect(runs).ToHaveTextAsync("2");
        await session.ScreenshotAsync("35-live-paused");

        await page.GetByTestId("live-updates").GetByRole(AriaRole.Switch, new() { Name = UiText.Live.Switch }).ClickAsync();
        await Assertions.Expect(runs).ToHaveTextAsync("3", new() { Timeout = 20_000 });
        Assert.Empty(session.ConsoleErrors);
    }

    [Fact]
    public async Task CustomPeriod_IsAppliedFromThePickers_AndABadOneSaysWhy()
    {
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        await page.GotoAsync("/?range=7d");
        await session.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Radio, new() { Name = UiText.Period.Custom, Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByLabel(UiText.Period.From)).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"));
        await Assertions.Expect(page.GetByLabel(UiText.Period.To)).ToHaveValueAsync(new System.Text.RegularExpressions.Regex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"));
        await ApplyCustomPeriodAsync(page);
        Assert.Contains("from=", page.Url);
        Assert.Contains("to=", page.Url);
        await Assertions.Expect(page.GetByText("vs previous period").First).ToBeVisibleAsync();
        await session.ScreenshotAsync("36-custom-period");

        await page.GotoAsync("/?range=custom&from=2026-11-21T10:00&to=2026-11-20T10:00");
        await Assertions.Expect(page.GetByText("The start must be earlier than the end. Showing the last 24 hours.")).ToBeVisibleAsync();
        Assert.Empty(session.ConsoleErrors);
    }

    /// <summary>
    /// Clicks Apply until the address carries the custom period, at most three times. Once in CI and
    /// once in about sixty local runs, the first click left the address unchanged for 20 s with no
    /// error in the browser (the cause was not found; a person would click again). A button that
    /// never applies still fails here.
    /// </summary>
    private static async Task ApplyCustomPeriodAsync(IPage page)
    {
        for (var click = 1; ; click++)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = UiText.Period.Apply }).ClickAsync();
            try
            {
                await page.WaitForURLAsync("**range=custom*", new() { Timeout = 7_000 });
                return;
            }
            catch (TimeoutException) when (click < 3)
            {
            }
        }
    }

    [Fact]
    public async Task Keyboard_AloneReachesTracesThenATraceThenASpanThenItsAgent()
    {
        using var api = portal.CreateApiClient();
        var agentId = await SeedApi.RegisterAsync(api, "e2e-keyboard-agent", "autogen");
        var traceId = await SeedApi.RunAsync(api, agentId, "asked by keyboard", model: "gpt-4o-mini");
        await using var session = await BrowserSession.StartAsync(portal.BaseAddress);
        var page = session.Page;
        await portal.SignInAsync(session);
        await session.WaitForInteractiveAsync();

        // Each menu entry is a link, reached with Tab like any other.
        await TabToAsync(page, "the Traces menu link", $"el => el.tagName === 'A' && el.textContent.trim() === '{UiText.Nav.Traces}'");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/monitoring/traces");
        await session.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("asked by keyboard")).ToBeVisibleAsync();

        await TabToAsync(page, "the run's link", $"el => el.getAttribute('href') === 'monitoring/traces/{traceId}'");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync($"**/monitoring/traces/{traceId}");
        await session.WaitForInteractiveAsync();

        await TabToAsync(page, "the LLM call in the span tree", "el => el.getAttribute('role') === 'treeitem' && el.textContent.includes('chat gpt-4o-mini')");
        Assert.NotEqual("none", await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle"));
        await page.Keyboard.PressAsync("Enter");
        var call = page.GetByRole(AriaRole.Treeitem).Filter(new() { HasText = "chat gpt-4o-mini" });
        await Assertions.Expect(call).ToHaveAttributeAsync("aria-selected", "true");
        var genAi = page.GetByRole(AriaRole.Region, new() { Name = UiText.TracePage.GenAiSection, Exact = true });
        await Assertions.Expect(genAi).ToContainTextAsync("gpt-4o-mini");
        await Assertions.Expect(genAi).ToContainTextAsync("unknown provider");
        await session.ScreenshotAsync("37-keyboard-span");

        await TabToAsync(page, "the agent link", "el => el.tagName === 'A' && el.textContent.trim() === 'e2e-keyboard-agent'", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "e2e-keyboard-agent", Level = 1 })).ToBeVisibleAsync();
        Assert.Empty(session.ConsoleErrors);
    }

    /// <summary>Presses Tab (or Shift+Tab) until the focused element matches; fails after a bounded number of presses.</summary>
    private static async Task TabToAsync(IPage page, string what, string matches, bool backwards = false)
    {
        for (var press = 0; press < 150; press++)
        {
            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
            if (await page.EvaluateAsync<bool>($"() => {{ const el = document.activeElement; return !!el && ({matches})(el); }}"))
            {
                return;
            }
        }
        Assert.Fail($"Tab never reached {what}.");
    }
}
