using System.Net;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Api;

public class AuthenticationTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/registry")]
    [InlineData("/monitoring/traces")]
    [InlineData("/chat")]
    [InlineData("/tools")]
    [InlineData("/admin")]
    public async Task Page_Anonymous_RedirectsToSignInWithReturnUrl(string path)
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        Assert.Contains("/account/login", location);
        Assert.Contains("ReturnUrl=" + Uri.EscapeDataString(path), location);
    }

    [Fact]
    public async Task SignInPage_Anonymous_IsServedWithItsForm()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();

        var html = await client.GetStringAsync("/account/login");

        Assert.Contains("name=\"Input.Email\"", html);
        Assert.Contains("name=\"Input.Password\"", html);
        Assert.Contains("__RequestVerificationToken", html);
    }

    [Fact]
    public async Task StaticAssets_Anonymous_AreServed()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app.css")).StatusCode);
        var script = await client.GetAsync("/_framework/blazor.web.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("components-reconnect-modal", await script.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_WithBootstrapAdmin_ReachesOverview()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();
        var cookies = new CookieJar();

        var signedIn = await SignInAsync(client, cookies, PortalAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var overview = await cookies.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/"));
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        Assert.Contains("Overview", await overview.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_StaysOnFormAndSaysSo()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();

        var response = await SignInAsync(client, new CookieJar(), "not-the-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(AgentPortal.Dashboard.Components.UiText.Login.Failed, System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, CookieJar cookies, string password)
    {
        var form = await cookies.SendAsync(client, new HttpRequestMessage(HttpMethod.Get, "/account/login"));
        var token = CookieJar.ReadAntiforgeryToken(await form.Content.ReadAsStringAsync());
        return await cookies.SendAsync(client, new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = token,
                ["Input.Email"] = PortalAppFactory.AdminEmail,
                ["Input.Password"] = password,
            }),
        });
    }
}
