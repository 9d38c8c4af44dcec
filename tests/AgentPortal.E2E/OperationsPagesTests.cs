using System.Collections.Concurrent;
using System.Net;
using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>A portal whose alert rules are evaluated every two seconds, so a test sees them fire.</summary>
public sealed class FastAlertsServerFixture : DashboardServerFixture
{
    protected override void Configure(Dictionary<string, string> environment)
    {
        environment["Alerts__EvaluationInterval"] = "00:00:02";
        environment["Alerts__WebhookRetries"] = "0";
    }
}

/// <summary>
/// The operations pages as an Admin uses them: make an alert rule with a webhook on the form, send a
/// test, watch it fire (the banner on every page, the history, the webhook called); then read the
/// Storage page and run retention from it.
/// </summary>
public sealed class OperationsPagesTests(FastAlertsServerFixture portal) : IClassFixture<FastAlertsServerFixture>, IDisposable
{
    private readonly string _webhookUrl = $"http://127.0.0.1:{LoopbackPort.Free()}/hook/";
    private readonly HttpListener _webhook = new();
    private readonly ConcurrentQueue<string> _received = new();

    public void Dispose() => _webhook.Close();

    [Fact]
    public async Task AnAlertRuleMadeOnTheForm_SendsATest_Fires_AndShowsInTheBannerAndHistory_ThenStorageShowsWhatIsKept()
    {
        Listen();
        using var api = portal.CreateApiClient();
        var agent = await SeedApi.RegisterAsync(api, "billing-bot", "langflow");
        await SeedApi.RunAsync(api, agent, "invoice 1", output: "done");
        await SeedApi.RunAsync(api, agent, "invoice 2", error: "gateway timeout");
        await SeedApi.RunAsync(api, agent, "invoice 3", error: "gateway timeout");

        await using var admin = await BrowserSession.StartAsync(portal.BaseAddress);
        await portal.SignInAsync(admin);
        var page = admin.Page;
        await page.GotoAsync("/alerts");
        await admin.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText(UiText.AlertsPage.NoRules)).ToBeVisibleAsync();
        await admin.ScreenshotAsync("40-alerts-empty");

        await page.GetByRole(AriaRole.Link, new() { Name = UiText.AlertsPage.NewRule }).ClickAsync();
        await admin.WaitForInteractiveAsync();
        await page.GetByLabel(UiText.AlertsPage.Name, new() { Exact = true }).FillAsync("Billing bot failing");
        await page.GetByLabel(UiText.AlertsPage.Threshold).FillAsync("20");
        await page.GetByLabel(UiText.AlertsPage.MinSamples).FillAsync("3");
        await page.GetByLabel(UiText.AlertsPage.Pending).FillAsync("0");
        await page.GetByLabel(UiText.AlertsPage.Webhook).FillAsync(_webhookUrl);
        await admin.ScreenshotAsync("41-alert-form");
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.AlertsPage.Save }).ClickAsync();
        await page.WaitForURLAsync(u => new Uri(u).AbsolutePath == "/alerts");

        var rules = page.GetByRole(AriaRole.Region, new() { Name = UiText.AlertsPage.Rules });
        await Assertions.Expect(rules.GetByText("Billing bot failing")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Actions for Billing bot failing" }).ClickAsync();
        var sendTest = page.GetByRole(AriaRole.Menuitem, new() { Name = UiText.AlertsPage.Test });
        await Assertions.Expect(sendTest).ToBeVisibleAsync();
        // The page refreshes itself each evaluation round (every 2 s here); an open menu must stay open
        // through them, as it once closed under the pointer when the grid's rows were replaced.
        await page.WaitForTimeoutAsync(5_000);
        await Assertions.Expect(sendTest).ToBeVisibleAsync(new() { Timeout = 1_000 });
        await sendTest.ClickAsync();
        await Assertions.Expect(page.GetByText("The webhook took the test notification of Billing bot failing.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await WaitForAsync(() => _received.Any(b => b.Contains("\"state\":\"test\"", StringComparison.Ordinal)), "the test webhook");

        // Two of three runs failed: 67 % is above 20 % with the minimum sample of 3, so the rule fires.
        await Assertions.Expect(rules.GetByText("firing").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Alert firing: Billing bot failing" })).ToBeVisibleAsync();
        await WaitForAsync(() => _received.Any(b => b.Contains("\"state\":\"firing\"", StringComparison.Ordinal)), "the firing notification");
        await admin.ScreenshotAsync("42-alert-firing");
        var history = page.GetByRole(AriaRole.Region, new() { Name = UiText.AlertsPage.History });
        await Assertions.Expect(history.GetByText("firing").First).ToBeVisibleAsync();

        // The banner is on every page.
        await page.GotoAsync("/");
        await admin.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Alert firing: Billing bot failing" })).ToBeVisibleAsync();

        // The Storage page, in a window tall enough to see it whole.
        await page.SetViewportSizeAsync(1280, 1150);
        await page.GotoAsync("/admin/storage");
        await admin.WaitForInteractiveAsync();
        var telemetry = page.GetByRole(AriaRole.Region, new() { Name = UiText.StoragePage.Telemetry });
        await Assertions.Expect(telemetry.GetByText("telemetry-sqlite")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.StoragePage.Registry }).GetByText("Up to date:")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(UiText.StoragePage.NoBackup)).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.StoragePage.ApplyNow }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = UiText.StoragePage.Retention }).GetByText("nothing was old enough to delete")).ToBeVisibleAsync();
        await admin.ScreenshotAsync("43-storage");
        Assert.Empty(admin.ConsoleErrors);
    }

    [Fact]
    public async Task InjectionStringsInNamesAndInputs_AreStoredAndShownAsPlainText()
    {
        const string name = "<script>alert('x')</script>' OR 1=1 --";
        const string input = "'); DROP TABLE spans; -- <img src=x onerror=alert(1)>";
        using var api = portal.CreateApiClient();
        var agent = await SeedApi.RegisterAsync(api, name, "custom");
        var traceId = await SeedApi.RunAsync(api, agent, input, output: "\\'; SELECT * FROM system.users --");

        await using var admin = await BrowserSession.StartAsync(portal.BaseAddress);
        var dialogs = 0;
        admin.Page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await portal.SignInAsync(admin);
        await admin.Page.GotoAsync("/registry");
        await admin.WaitForInteractiveAsync();
        await Assertions.Expect(admin.Page.GetByText(name).First).ToBeVisibleAsync();
        await admin.Page.GotoAsync($"/monitoring/traces/{traceId}");
        await admin.WaitForInteractiveAsync();
        await Assertions.Expect(admin.Page.GetByText(input).First).ToBeVisibleAsync();
        await admin.ScreenshotAsync("44-injection-as-text");

        Assert.Equal(0, dialogs);
        Assert.Equal(0, await admin.Page.Locator("img[src=x]").CountAsync());
        Assert.Empty(admin.ConsoleErrors);
    }

    /// <summary>A loopback webhook receiver that answers every call with 200 and keeps its body, until the test ends.</summary>
    private void Listen()
    {
        _webhook.Prefixes.Add(_webhookUrl);
        _webhook.Start();
        _ = Task.Run(ReceiveAsync);
    }

    private async Task ReceiveAsync()
    {
        while (_webhook.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _webhook.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using (var reader = new StreamReader(context.Request.InputStream))
            {
                _received.Enqueue(await reader.ReadToEndAsync());
            }
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (condition())
            {
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"Waited 60 s for {what}.");
    }
}
