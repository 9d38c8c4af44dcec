using System.Net;
using System.Text.RegularExpressions;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Security;

/// <summary>Single sign-on against a loopback OpenID Connect provider, beside the local accounts.</summary>
public sealed partial class SingleSignOnTests : IAsyncLifetime
{
    private FakeOidcProvider _provider = default!;
    private PortalAppFactory _app = default!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOidcProvider.StartAsync();
        _app = new PortalAppFactory()
            .With("Authentication:Oidc:Authority", _provider.Authority)
            .With("Authentication:Oidc:ClientId", FakeOidcProvider.ClientId)
            .With("Authentication:Oidc:ClientSecret", FakeOidcProvider.ClientSecret)
            .With("Authentication:Oidc:DisplayName", "Example SSO")
            .With("Authentication:Oidc:RequireHttpsMetadata", "false")
            .With("Authentication:Oidc:RoleMapping:portal-operators", "Operator")
            .With("Authentication:Oidc:RoleMapping:portal-admins", "Admin")
            .With("Authentication:Oidc:DefaultRole", "");
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task SignInWithTheProvider_CreatesAnAccountWithTheMappedRole()
    {
        var browser = Browser();

        var landed = await SignInWithProviderAsync(browser, "/registry");

        Assert.Equal("/registry", landed);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/registry")).StatusCode);
        Assert.Contains("/account/denied", (await browser.GetAsync("/admin")).Headers.Location!.ToString());
        await using var scope = _app.Services.CreateAsyncScope();
        var person = (await scope.ServiceProvider.GetRequiredService<UserDirectory>().ListAsync(CancellationToken.None)).Single(u => u.Email == "sso.user@example.com");
        Assert.Equal(PortalRoles.Operator, person.Role);
        Assert.True(person.External);
        Assert.Equal(1, _provider.TokensIssued);
    }

    [Fact]
    public async Task RoleChangedAtTheProvider_IsAppliedAtTheNextSignIn()
    {
        await SignInWithProviderAsync(Browser(), "/");
        _provider.NextUser = ("user-1", "sso.user@example.com", ["portal-admins"]);

        var browser = Browser();
        await SignInWithProviderAsync(browser, "/");

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task PersonWithoutAMappedRole_IsRefused_WithWhatToAskFor()
    {
        _provider.NextUser = ("user-2", "stranger@example.com", ["marketing"]);
        var browser = Browser();

        var landed = await SignInWithProviderAsync(browser, "/");

        Assert.StartsWith("/account/login?error=", landed);
        var page = WebUtility.HtmlDecode(await browser.GetStringAsync(landed));
        Assert.Contains("stranger@example.com has no AgentPortal role", page);
        Assert.Contains("/account/login", (await browser.GetAsync("/")).Headers.Location!.ToString());
    }

    [Fact]
    public async Task LocalAccounts_KeepWorking_BesideSingleSignOn()
    {
        var page = await Browser().GetStringAsync("/account/login");
        Assert.Contains("Sign in with Example SSO", page);
        Assert.Contains("name=\"Input.Password\"", page);

        var admin = await _app.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin")).StatusCode);
    }

    /// <summary>What a browser does: the portal's button, the provider's page, its auto-posted form back, the portal's callback.</summary>
    private async Task<string> SignInWithProviderAsync(HttpClient browser, string returnUrl)
    {
        var login = await browser.GetStringAsync("/account/login");
        var challenge = await browser.PostAsync("/account/external-login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = CookieJar.ReadAntiforgeryToken(login),
            ["returnUrl"] = returnUrl,
        }));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        var authorize = challenge.Headers.Location!;
        Assert.StartsWith(_provider.Authority + "/authorize", authorize.ToString());
        Assert.Contains("code_challenge=", authorize.Query);

        using var providerBrowser = new HttpClient();
        var form = await providerBrowser.GetStringAsync(authorize);
        var action = WebUtility.HtmlDecode(FormAction().Match(form).Groups[1].Value);
        var fields = HiddenField().Matches(form).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));

        var callback = await browser.PostAsync(new Uri(action).PathAndQuery, new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        var signedIn = await browser.GetAsync(callback.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return signedIn.Headers.Location!.ToString();
    }

    // The correlation and nonce cookies are Secure (SameSite=None), as OpenID Connect needs: the browser speaks HTTPS.
    private HttpClient Browser() => _app.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://localhost"),
        AllowAutoRedirect = false,
        HandleCookies = true,
    });

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\"")]
    private static partial Regex FormAction();

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenField();
}
