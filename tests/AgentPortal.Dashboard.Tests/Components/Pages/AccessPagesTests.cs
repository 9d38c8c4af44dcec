using System.Security.Claims;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Audit;
using AgentPortal.Dashboard.Components.Pages.Keys;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using PeoplePage = AgentPortal.Dashboard.Components.Pages.People.People;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

/// <summary>The People, API keys and audit pages: their empty, error and data states, and what a refusal leaves on the page.</summary>
public class AccessPagesTests : PortalPageTest
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.RoleManager<Microsoft.AspNetCore.Identity.IdentityRole>>();
        foreach (var role in PortalRoles.All)
        {
            await roles.CreateAsync(new Microsoft.AspNetCore.Identity.IdentityRole(role));
        }
    }

    [Fact]
    public async Task People_NoOneYet_SaysSo_ThenAnAddedPersonsPasswordIsShownOnce()
    {
        var page = Render<PeoplePage>();
        page.WaitForAssertion(() => Assert.Contains(UiText.People.NoPeople, page.Markup), s_waitTimeout);

        await page.InvokeAsync(() => page.Find($"input[aria-label='{UiText.People.Email}']").Change("jane@example.com"));
        await page.InvokeAsync(() => ButtonNamed(page, UiText.People.Create).Click());

        page.WaitForAssertion(() => Assert.True(page.Find($"[role=region][aria-label='{UiText.People.Title}']").TextContent.Contains("jane@example.com"), string.Join(" | ", page.FindAll("[role=alert]").Select(a => a.TextContent))), s_waitTimeout);
        var password = page.Find("[data-testid=generated-password]").TextContent;
        Assert.Equal(20, password.Length);
        Assert.Contains(PortalRoles.Viewer, page.Find($"[role=region][aria-label='{UiText.People.Title}']").TextContent);

        await page.InvokeAsync(() => ButtonNamed(page, UiText.People.Dismiss).Click());
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=generated-password]")), s_waitTimeout);
        Assert.DoesNotContain(password, page.Markup);
    }

    [Fact]
    public async Task People_ABadEmail_IsRefusedWithWhatToFix_AndWhatWasTypedStays()
    {
        var page = Render<PeoplePage>();
        page.WaitForAssertion(() => Assert.Contains(UiText.People.NoPeople, page.Markup), s_waitTimeout);

        await page.InvokeAsync(() => page.Find($"input[aria-label='{UiText.People.Email}']").Change("not-an-email"));
        await page.InvokeAsync(() => ButtonNamed(page, UiText.People.Create).Click());

        page.WaitForAssertion(() => Assert.Contains("Give an email address such as", page.Find("[role=alert]").TextContent), s_waitTimeout);
        Assert.Equal("not-an-email", page.Find($"input[aria-label='{UiText.People.Email}']").GetAttribute("value"));
        Assert.Contains(UiText.People.NoPeople, page.Markup);
    }

    [Fact]
    public async Task Keys_NoneYet_SaysHowToStart_ThenANewKeyIsShownOnce_AndListedByItsPrefixOnly()
    {
        var page = Render<ApiKeys>();
        page.WaitForAssertion(() => Assert.Contains(UiText.Keys.NoKeys, page.Markup), s_waitTimeout);

        await page.InvokeAsync(() => ButtonNamed(page, UiText.Keys.Create, last: true).Click());

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=new-key]")), s_waitTimeout);
        var secret = page.Find("[data-testid=new-key]").TextContent;
        Assert.StartsWith(ApiKeyService.KeyPrefix, secret);
        var grid = page.Find($"[role=region][aria-label='{UiText.Keys.Title}']").TextContent;
        Assert.Contains(secret[..10] + "…", grid);
        Assert.Contains("ingest", grid);
        Assert.DoesNotContain(secret, grid);
        var stored = await Services.GetRequiredService<ApiKeyService>().ListAsync(CancellationToken.None);
        Assert.NotNull(Assert.Single(stored).ExpiresAt);
    }

    [Fact]
    public async Task Keys_AnOperatorSeesOnlyTheirProjectsKeys_AndOneWithoutProjectsIsToldWhom_toAsk()
    {
        var keys = Services.GetRequiredService<ApiKeyService>();
        await keys.CreateAsync("team-a", ApiKeyScopes.Ingest, "team a collector", CancellationToken.None);
        await keys.CreateAsync("team-b", ApiKeyScopes.Ingest, "team b collector", CancellationToken.None);
        Authorization.SetAuthorized("operator@example.com");
        Authorization.SetRoles(PortalRoles.Operator);
        Authorization.SetClaims(new Claim(UserDirectory.ProjectClaim, "team-a"));

        var page = Render<ApiKeys>();

        page.WaitForAssertion(() => Assert.Contains("team a collector", page.Find($"[role=region][aria-label='{UiText.Keys.Title}']").TextContent), s_waitTimeout);
        Assert.DoesNotContain("team b collector", page.Markup);
    }

    [Fact]
    public void Keys_AnOperatorWithoutProjects_IsToldWhomToAsk_AndOfferedNoForm()
    {
        Authorization.SetAuthorized("operator@example.com");
        Authorization.SetRoles(PortalRoles.Operator);

        var page = Render<ApiKeys>();

        page.WaitForAssertion(() => Assert.Contains(UiText.Keys.NoProjects, page.Markup), s_waitTimeout);
        Assert.DoesNotContain(UiText.Keys.IngestHelp, page.Markup);
    }

    [Fact]
    public async Task Audit_ShowsActionsNewestFirst_AndFiltersByArea()
    {
        var audit = Services.GetRequiredService<AuditLog>();
        await audit.RecordAsync(new AuditActor("admin@example.com", "10.1.2.3"), AuditActions.UserCreated, "jane@example.com", "role Viewer");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await audit.RecordAsync(new AuditActor("admin@example.com", "10.1.2.3"), AuditActions.ApiKeyRevoked, "ap_abc1234…", "project default-project");
        Clock.Advance(TimeSpan.FromMinutes(1));
        await audit.RecordAsync(new AuditActor("mallory@example.com", "10.9.9.9"), AuditActions.SignInFailed, "mallory@example.com", "wrong email or password", succeeded: false);

        var page = Render<AuditTrail>();

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll($"[role=region][aria-label='{UiText.AuditPage.Title}'] tbody tr").Count), s_waitTimeout);
        var rows = page.FindAll($"[role=region][aria-label='{UiText.AuditPage.Title}'] tbody tr");
        Assert.Contains(AuditActions.SignInFailed, rows[0].TextContent);
        Assert.Contains("10.9.9.9", rows[0].TextContent);
        Assert.Contains(AuditActions.UserCreated, rows[2].TextContent);

        var filtered = await audit.QueryAsync(new AuditQuery(Area: "apikey"), CancellationToken.None);
        Assert.Equal(AuditActions.ApiKeyRevoked, Assert.Single(filtered.Items).Action);
        Assert.Single((await audit.QueryAsync(new AuditQuery(Actor: "mallory"), CancellationToken.None)).Items);
        Assert.Single((await audit.QueryAsync(new AuditQuery(Text: "jane@"), CancellationToken.None)).Items);
    }

    private static AngleSharp.Dom.IElement ButtonNamed(IRenderedComponent<Microsoft.AspNetCore.Components.IComponent> page, string name, bool last = false)
    {
        var buttons = page.FindAll("button").Where(b => b.TextContent.Trim() == name).ToList();
        return last ? buttons[^1] : buttons.Single();
    }
}
