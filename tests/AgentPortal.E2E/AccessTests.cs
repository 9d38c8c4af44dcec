using System.Net;
using System.Text;
using AgentPortal.Dashboard.Components;
using AgentPortal.E2E.Infrastructure;
using Microsoft.Playwright;

namespace AgentPortal.E2E;

/// <summary>
/// People and keys the way an Admin handles them: add an Operator and a Viewer on the People page,
/// hand each the password shown once, let them choose their own, and see what each may do; create
/// a key, use it, revoke it and watch it stop at once; read it all back in the audit log.
/// </summary>
public class AccessTests(DashboardServerFixture portal) : IClassFixture<DashboardServerFixture>
{
    [Fact]
    public async Task AdminAddsPeopleAndKeys_EachRoleSeesWhatItMay_AndARevokedKeyStopsAtOnce()
    {
        await using var admin = await BrowserSession.StartAsync(portal.BaseAddress);
        await portal.SignInAsync(admin);
        var operatorPassword = await AddPersonAsync(admin, "operator@agentportal.local", "Operator", "default-project", "20-people-password-once");
        var viewerPassword = await AddPersonAsync(admin, "viewer@agentportal.local", "Viewer", "", null);
        await admin.ScreenshotAsync("21-people");

        // A key, shown once, that works until it is revoked.
        var page = admin.Page;
        await page.GotoAsync("/admin/keys");
        await admin.WaitForInteractiveAsync();
        await page.GetByLabel(UiText.Keys.Name).FillAsync("e2e collector");
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Keys.Create }).ClickAsync();
        var secret = (await page.GetByTestId("new-key").TextContentAsync())!.Trim();
        Assert.StartsWith("ap_", secret);
        await admin.ScreenshotAsync("22-key-shown-once");
        using var agent = new HttpClient { BaseAddress = portal.BaseAddress };
        agent.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await PostSpansAsync(agent)).StatusCode);

        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Keys.Dismiss }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "e2e collector" });
        await row.GetByRole(AriaRole.Button, new() { Name = UiText.Keys.Revoke }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = UiText.Keys.Revoke }).ClickAsync();
        await Assertions.Expect(row.GetByText(UiText.Keys.Revoked)).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostSpansAsync(agent)).StatusCode);
        await admin.ScreenshotAsync("23-key-revoked");

        // The Operator chooses a password, manages keys of their project, and cannot reach People.
        await using (var operatorSession = await SignInFirstTimeAsync("operator@agentportal.local", operatorPassword, "24-first-sign-in"))
        {
            var nav = operatorSession.Page.GetByRole(AriaRole.Navigation, new() { Name = UiText.Nav.Main });
            await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = UiText.Nav.Keys, Exact = true })).ToBeVisibleAsync();
            await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = UiText.Nav.People, Exact = true })).ToHaveCountAsync(0);
            await operatorSession.ScreenshotAsync("25-operator-overview");
            await operatorSession.Page.GotoAsync("/admin/keys");
            await operatorSession.WaitForInteractiveAsync();
            await Assertions.Expect(operatorSession.Page.GetByText("e2e collector")).ToBeVisibleAsync();
            await operatorSession.ScreenshotAsync("26-operator-keys");
            await operatorSession.Page.GotoAsync("/admin/people");
            await Assertions.Expect(operatorSession.Page.GetByText(UiText.Errors.AccessDeniedTitle)).ToBeVisibleAsync();
        }

        // The Viewer reads, and nothing that changes anything is offered.
        await using (var viewer = await SignInFirstTimeAsync("viewer@agentportal.local", viewerPassword, null))
        {
            var nav = viewer.Page.GetByRole(AriaRole.Navigation, new() { Name = UiText.Nav.Main });
            foreach (var hidden in new[] { UiText.Nav.Keys, UiText.Nav.People, UiText.Nav.Audit, UiText.Nav.Admin, UiText.Nav.Chat, UiText.Nav.Sql })
            {
                await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = hidden, Exact = true })).ToHaveCountAsync(0);
            }
            await viewer.ScreenshotAsync("27-viewer-overview");
            await viewer.Page.GotoAsync("/registry");
            await viewer.WaitForInteractiveAsync();
            await Assertions.Expect(viewer.Page.GetByRole(AriaRole.Heading, new() { Name = UiText.Registry.Title, Level = 1 })).ToBeVisibleAsync();
            await Assertions.Expect(viewer.Page.GetByRole(AriaRole.Button, new() { Name = UiText.Registry.RegisterAgent })).ToHaveCountAsync(0);
            await viewer.ScreenshotAsync("28-viewer-agents");
            await viewer.Page.GotoAsync("/admin/keys");
            await Assertions.Expect(viewer.Page.GetByText(UiText.Errors.AccessDeniedTitle)).ToBeVisibleAsync();
            await viewer.ScreenshotAsync("29-viewer-denied");
            Assert.Empty(viewer.ConsoleErrors);
        }

        // Everything above is in the audit log, newest first.
        await page.GotoAsync("/admin/audit");
        await admin.WaitForInteractiveAsync();
        foreach (var action in new[] { "user.created", "apikey.created", "apikey.revoked", "user.password_changed", "user.signed_in" })
        {
            await Assertions.Expect(page.GetByText(action, new() { Exact = true }).First).ToBeVisibleAsync();
        }
        await admin.ScreenshotAsync("30-audit");
        Assert.DoesNotContain(secret, await page.ContentAsync());
        Assert.Empty(admin.ConsoleErrors);
    }

    private static async Task<string> AddPersonAsync(BrowserSession admin, string email, string role, string projects, string? screenshot)
    {
        var page = admin.Page;
        if (new Uri(page.Url).AbsolutePath != "/admin/people")
        {
            await page.GotoAsync("/admin/people");
            await admin.WaitForInteractiveAsync();
        }
        else
        {
            await page.GetByRole(AriaRole.Button, new() { Name = UiText.People.Dismiss }).ClickAsync();
        }
        await page.GetByLabel(UiText.People.Email, new() { Exact = true }).First.FillAsync(email);
        await page.GetByRole(AriaRole.Radio, new() { Name = role, Exact = true }).CheckAsync();
        if (projects.Length > 0)
        {
            await page.GetByLabel(UiText.People.Projects).First.FillAsync(projects);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.People.Create }).ClickAsync();
        var password = (await page.GetByTestId("generated-password").TextContentAsync())!.Trim();
        Assert.True(password.Length >= 12);
        await Assertions.Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = email })).ToContainTextAsync(role);
        if (screenshot is not null)
        {
            await admin.ScreenshotAsync(screenshot);
        }
        return password;
    }

    private async Task<BrowserSession> SignInFirstTimeAsync(string email, string generated, string? screenshot)
    {
        var session = await BrowserSession.StartAsync(portal.BaseAddress);
        await portal.SignInAsAsync(session, email, generated, landing: "/account/manage");
        var page = session.Page;
        await Assertions.Expect(page.GetByText(UiText.Manage.Required)).ToBeVisibleAsync();
        await page.GetByLabel(UiText.Manage.Current).FillAsync(generated);
        await page.GetByLabel(UiText.Manage.New, new() { Exact = true }).FillAsync("my own long passphrase");
        await page.GetByLabel(UiText.Manage.Confirm).FillAsync("my own long passphrase");
        if (screenshot is not null)
        {
            await session.ScreenshotAsync(screenshot);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = UiText.Manage.Change }).ClickAsync();
        await Assertions.Expect(page.GetByText(UiText.Manage.Changed)).ToBeVisibleAsync();
        await page.GotoAsync("/");
        await session.WaitForInteractiveAsync();
        return session;
    }

    private static Task<HttpResponseMessage> PostSpansAsync(HttpClient client) =>
        client.PostAsync("/v1/traces", new StringContent("{\"resourceSpans\":[]}", Encoding.UTF8, "application/json"));
}
