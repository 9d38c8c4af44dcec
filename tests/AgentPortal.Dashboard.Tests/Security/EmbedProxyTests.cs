using System.Net;
using System.Net.WebSockets;
using System.Text;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Security;

/// <summary>
/// The embedded tools' reverse proxy against a fake Langfuse on loopback, with the portal on a real
/// Kestrel port (WebSockets need one): the service account's session is kept and renewed on the
/// server, the tool's frame-blocking headers are replaced, absolute asset paths load, and neither
/// the tool's credentials nor its cookies reach the browser.
/// </summary>
public sealed class EmbedProxyTests : IAsyncLifetime
{
    private FakeEmbeddedTool _tool = default!;
    private PortalAppFactory _app = default!;
    private Uri _portal = default!;

    public async Task InitializeAsync()
    {
        _tool = await FakeEmbeddedTool.StartAsync();
        _app = new PortalAppFactory()
            .With("Api:OtlpGrpcUrl", "")
            .With("Embeds:Langfuse:Url", _tool.BaseUrl)
            .With("Embeds:Langfuse:ServiceAccountEmail", FakeEmbeddedTool.Email)
            .With("Embeds:Langfuse:ServiceAccountPassword", FakeEmbeddedTool.Password)
            .With("Embeds:Langfuse:PublicKey", FakeEmbeddedTool.PublicKey)
            .With("Embeds:Langfuse:SecretKey", FakeEmbeddedTool.SecretKey)
            .With("Embeds:KongAdmin:Url", _tool.BaseUrl);
        _app.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app.StartServer();
        _portal = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _tool.DisposeAsync();
    }

    [Fact]
    public async Task ToolPage_IsServedFramable_WithItsCredentialsAddedOnTheServerOnly()
    {
        var (browser, _) = await SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        var page = await browser.GetAsync("/embed/langfuse/");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Langfuse traces", await page.Content.ReadAsStringAsync());
        Assert.Equal("SAMEORIGIN", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("frame-ancestors 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        // The tool's own cookie stays in the portal's server-side session.
        Assert.False(page.Headers.Contains("Set-Cookie"));

        var seen = _tool.Received.Last(r => r.Path == "/").Headers;
        Assert.Contains("next-auth.session-token=", seen["Cookie"]);
        Assert.DoesNotContain("AgentPortal.Auth", seen["Cookie"]);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeEmbeddedTool.PublicKey}:{FakeEmbeddedTool.SecretKey}")), seen["Authorization"]);
        Assert.Equal(1, _tool.SignIns);

        var everythingTheBrowserGot = page.Headers + "\n" + await page.Content.ReadAsStringAsync();
        Assert.DoesNotContain(FakeEmbeddedTool.SecretKey, everythingTheBrowserGot);
        Assert.DoesNotContain(FakeEmbeddedTool.Password, everythingTheBrowserGot);
        Assert.DoesNotContain("next-auth", everythingTheBrowserGot);
    }

    [Fact]
    public async Task AbsoluteAssetPath_FromAnEmbeddedPage_LoadsThroughTheProxy()
    {
        var (browser, _) = await SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        using var asset = new HttpRequestMessage(HttpMethod.Get, "/_next/static/app.js");
        asset.Headers.Referrer = new Uri(_portal, "/embed/langfuse/");
        var redirect = await browser.SendAsync(asset);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
        Assert.Equal("/embed/langfuse/_next/static/app.js", redirect.Headers.Location!.ToString());

        var script = await browser.GetAsync(redirect.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Contains("langfuse app", await script.Content.ReadAsStringAsync());

        // Without an embedded page asking, the same path is the portal's ordinary 404.
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/_next/static/app.js")).StatusCode);
    }

    [Fact]
    public async Task ExpiredUpstreamSession_IsRenewedWithoutTheUserNoticing()
    {
        var (browser, _) = await SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/embed/langfuse/")).StatusCode);

        _tool.ExpireSessions();
        var again = await browser.GetAsync("/embed/langfuse/");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("Langfuse traces", await again.Content.ReadAsStringAsync());
        Assert.Equal(2, _tool.SignIns);
    }

    [Fact]
    public async Task UpstreamRedirects_StayUnderTheProxy()
    {
        var (browser, _) = await SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        var redirect = await browser.GetAsync("/embed/langfuse/go");

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/embed/langfuse/target", redirect.Headers.Location!.ToString());
    }

    [Fact]
    public async Task WebSocket_IsProxied_WithTheServerSideSession()
    {
        var (_, cookies) = await SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        using var socket = new ClientWebSocket();
        socket.Options.Cookies = cookies;

        await socket.ConnectAsync(new Uri($"ws://{_portal.Authority}/embed/langfuse/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping through the portal"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);

        Assert.Equal("ping through the portal", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task Viewer_MayLookButNotChange_AndNeverReachesKongAdmin()
    {
        var email = "viewer-embed@example.com";
        var password = await _app.CreatePersonAsync(email, PortalRoles.Viewer);
        var (viewer, _) = await SignInAsync(email, password);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/embed/langfuse/")).StatusCode);
        var change = await viewer.PostAsync("/embed/langfuse/api/trpc/traces.delete", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
        Assert.DoesNotContain(_tool.Received, r => r.Path == "/api/trpc/traces.delete");

        var kong = await viewer.GetAsync("/embed/kong-admin/");
        Assert.Equal(HttpStatusCode.Redirect, kong.StatusCode);
        Assert.Contains("/account/denied", kong.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Anonymous_IsSentToSignIn_AndNothingReachesTheTool()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _portal };
        var before = _tool.Received.Count;

        var response = await anonymous.GetAsync("/embed/langfuse/echo");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/login", response.Headers.Location!.ToString());
        Assert.Equal(before, _tool.Received.Count);
    }

    [Fact]
    public async Task ToolNotConfigured_AnswersWhichSettingToSet()
    {
        var (browser, _) = await SignInAsync(PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);

        var response = await browser.GetAsync("/embed/helicone/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Embeds__Helicone__Url", await response.Content.ReadAsStringAsync());
    }

    private async Task<(HttpClient Client, CookieContainer Cookies)> SignInAsync(string email, string password)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _portal };
        var signedIn = await PortalAppFactory.PostSignInAsync(client, email, password);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return (client, cookies);
    }
}
