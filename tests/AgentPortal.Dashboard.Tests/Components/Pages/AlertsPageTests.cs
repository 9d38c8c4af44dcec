using AgentPortal.Core.Alerts;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Layout;
using AgentPortal.Dashboard.Components.Pages.Alerts;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using AlertsPage = AgentPortal.Dashboard.Components.Pages.Alerts.Alerts;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

/// <summary>The alerts pages and the banner: empty and data states, a rule made on the form, a refusal that keeps what was typed, and the Viewer's read-only view.</summary>
public class AlertsPageTests : PortalPageTest
{
    private AlertRuleService Rules => Services.GetRequiredService<AlertRuleService>();

    [Fact]
    public async Task NoRulesYet_SaysHowToStart_ThenAFiringRuleShowsItsStateFigureAndHistory_AndTheBanner()
    {
        var page = Render<AlertsPage>();
        page.WaitForAssertion(() => Assert.Contains(UiText.AlertsPage.NoRules, page.Markup), s_waitTimeout);
        Assert.Contains(UiText.AlertsPage.NoHistory, page.Markup);
        var banner = Render<AlertBanner>();
        Assert.Empty(banner.FindAll("[role=alert]"));

        var agent = await RegisterAsync("billing-bot");
        await RunAsync(agent, TimeSpan.FromMinutes(1), RunStatus.Error, error: "gateway timeout");
        await Rules.CreateAsync(new AlertRuleRequest("Billing failing", AlertScope.Agent, agent.Id, AlertMetric.RunErrorRate, 20, MinSamples: 1, PendingMinutes: 0),
            null, AuditActor.System, CancellationToken.None);
        await Services.GetRequiredService<AlertEvaluator>().TickAsync(CancellationToken.None);

        page.WaitForAssertion(() => Assert.Contains("firing", page.Find($"[role=region][aria-label='{UiText.AlertsPage.Rules}']").TextContent), s_waitTimeout);
        var rules = page.Find($"[role=region][aria-label='{UiText.AlertsPage.Rules}']").TextContent;
        Assert.Contains("Billing failing", rules);
        Assert.Contains("run error rate above 20 % over 1 h (at least 1 runs)", rules);
        Assert.Contains("agent billing-bot (default-project)", rules);
        Assert.Contains("100 %", rules);
        Assert.Contains(UiText.AlertsPage.NoWebhook, rules);
        var history = page.Find($"[role=region][aria-label='{UiText.AlertsPage.History}']").TextContent;
        Assert.Contains("firing", history);
        banner.WaitForAssertion(() => Assert.Contains("Alert firing: Billing failing", banner.Find("[role=alert]").TextContent), s_waitTimeout);
    }

    [Fact]
    public async Task NewRule_ABadThreshold_IsRefusedWithWhatToFix_AndTheFormKeepsIt_ThenTheRuleIsSaved()
    {
        var page = Render<AlertEdit>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll($"input[aria-label='{UiText.AlertsPage.Name}']")), s_waitTimeout);

        await page.InvokeAsync(() => page.Find($"input[aria-label='{UiText.AlertsPage.Name}']").Change("Too many errors"));
        await page.InvokeAsync(() => page.Find($"input[aria-label='{UiText.AlertsPage.Threshold}']").Change("150"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == UiText.AlertsPage.Save).Click());

        page.WaitForAssertion(() => Assert.Contains("is a percentage: below 100.", page.Find("[role=alert]").TextContent), s_waitTimeout);
        Assert.Equal("Too many errors", page.Find($"input[aria-label='{UiText.AlertsPage.Name}']").GetAttribute("value"));
        Assert.Empty(await Rules.ListAsync(CancellationToken.None));

        await page.InvokeAsync(() => page.Find($"input[aria-label='{UiText.AlertsPage.Threshold}']").Change("10"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == UiText.AlertsPage.Save).Click());

        var saved = await WaitForAsync(async () => (await Rules.ListAsync(CancellationToken.None)).SingleOrDefault());
        Assert.Equal("Too many errors", saved.Name);
        Assert.Equal(AlertScope.Global, saved.Scope);
        Assert.Equal(10, saved.Threshold);
        Assert.Equal(AdminEmail, saved.CreatedBy);
    }

    [Fact]
    public async Task Viewer_SeesTheRules_ButNoWayToChangeThem()
    {
        await Rules.CreateAsync(new AlertRuleRequest("Cost", AlertScope.Global, null, AlertMetric.CostPerDay, 100), null, AuditActor.System, CancellationToken.None);
        Authorization.SetRoles(PortalRoles.Viewer);

        var page = Render<AlertsPage>();
        page.WaitForAssertion(() => Assert.Contains("cost of the last 24 h above $100.00", page.Markup), s_waitTimeout);
        Assert.Contains(UiText.AlertsPage.ViewerNote, page.Markup);
        Assert.DoesNotContain(UiText.AlertsPage.NewRule, page.Markup);
        Assert.Empty(page.FindAll("[aria-label^='Actions for']"));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> read)
        where T : class
    {
        for (var i = 0; i < 100; i++)
        {
            if (await read() is { } found)
            {
                return found;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("The rule was not saved.");
    }
}
