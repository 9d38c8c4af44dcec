using System.Net;
using System.Text;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Data;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Security;

/// <summary>Sign-in hardening, sessions that end when they should, and keys that stop working at once.</summary>
public sealed class AccountSecurityTests
{
    [Fact]
    public async Task RepeatedWrongPasswords_LockTheAccount_AndTheLockExpires()
    {
        using var app = new PortalAppFactory()
            .With("Security:MaxFailedSignIns", "3")
            .With("Security:LockoutDuration", "00:00:02");
        var client = NewClient(app);

        for (var i = 0; i < 2; i++)
        {
            Assert.Contains(UiText.Login.Failed, await BodyAsync(await PortalAppFactory.PostSignInAsync(client, PortalAppFactory.AdminEmail, "wrong-password-" + i)));
        }
        Assert.Contains(UiText.Login.LockedOut, await BodyAsync(await PortalAppFactory.PostSignInAsync(client, PortalAppFactory.AdminEmail, "wrong-password-2")));
        // The right password does not get in while the lock lasts.
        var locked = await PortalAppFactory.PostSignInAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains(UiText.Login.LockedOut, await BodyAsync(locked));

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(HttpStatusCode.Redirect, (await PortalAppFactory.PostSignInAsync(client, PortalAppFactory.AdminEmail, PortalAppFactory.AdminPassword)).StatusCode);

        var audit = await AuditAsync(app, "user");
        Assert.Contains(audit, e => e.Action == AuditActions.SignInFailed && !e.Succeeded && e.Target == PortalAppFactory.AdminEmail);
        Assert.Contains(audit, e => e.Action == AuditActions.LockedOut);
        Assert.Contains(audit, e => e.Action == AuditActions.SignIn && e.Succeeded);
        Assert.DoesNotContain(audit, e => (e.Detail ?? "").Contains("wrong-password", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TooManySignInPosts_FromOneAddress_Answer429WithRetryAfter()
    {
        using var app = new PortalAppFactory().With("Security:SignInRequestsPerMinute", "3");
        var client = NewClient(app);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 5; i++)
        {
            var response = await PortalAppFactory.PostSignInAsync(client, PortalAppFactory.AdminEmail, "wrong-password");
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.NotNull(refused);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Contains("sign-in attempts", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task IngestionOverTheKeysRate_Answers429WithRetryAfter_AndOtherKeysAreNotSlowed()
    {
        using var app = new PortalAppFactory().With("Security:IngestRequestsPerSecond", "2");
        var busy = app.CreateApiClient();
        var other = (await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", ApiKeyScopes.Ingest, "other", CancellationToken.None)).Secret;

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await busy.PostAsync("/v1/traces", new StringContent("{\"resourceSpans\":[]}", Encoding.UTF8, "application/json")));
        }
        var otherAnswer = await app.CreateApiClient(other).PostAsync("/v1/traces", new StringContent("{\"resourceSpans\":[]}", Encoding.UTF8, "application/json"));

        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.True(answers.Count(a => a.IsSuccessStatusCode) >= 2);
        Assert.True(refused[0].Headers.Contains("Retry-After"));
        Assert.Equal("application/problem+json", refused[0].Content.Headers.ContentType?.MediaType);
        Assert.Contains("Security:IngestRequestsPerSecond", await refused[0].Content.ReadAsStringAsync());
        Assert.True(otherAnswer.IsSuccessStatusCode, $"another key got {(int)otherAnswer.StatusCode}");
    }

    [Fact]
    public async Task KeyRevokedByAnotherReplica_Answers401OnTheVeryNextRequest()
    {
        using var app = new PortalAppFactory();
        var created = await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", ApiKeyScopes.Read, "replica test", CancellationToken.None);
        var client = app.CreateApiClient(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/agents")).StatusCode);

        // Another replica revokes it: only the shared database changes, nothing in this process hears of it.
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            await db.ApiKeys.Where(k => k.Id == created.Key.Id).ExecuteUpdateAsync(k => k.SetProperty(x => x.RevokedAt, DateTime.UtcNow));
        }

        var refused = await client.GetAsync("/agents");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("revoked", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ExpiredKey_Answers401SayingSo_AndUseIsRecorded()
    {
        using var app = new PortalAppFactory();
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        var created = await keys.CreateAsync(new ApiKeyRequest("default-project", ApiKeyScopes.Read, "short", DateTimeOffset.UtcNow.AddSeconds(2)), AuditActor.System, CancellationToken.None);
        var client = app.CreateApiClient(created.Secret);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/agents")).StatusCode);
        Assert.NotNull((await keys.GetAsync(created.Key.Id, CancellationToken.None)).LastUsedAt);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var refused = await client.GetAsync("/agents");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("expired", await refused.Content.ReadAsStringAsync());

        var past = await Assert.ThrowsAsync<AgentPortal.Core.Common.ValidationFailedException>(() =>
            keys.CreateAsync(new ApiKeyRequest("default-project", ApiKeyScopes.Read, null, DateTimeOffset.UtcNow.AddDays(-1)), AuditActor.System, CancellationToken.None));
        Assert.Contains("expires_at", past.Errors.Keys);
    }

    [Fact]
    public async Task RotatedKey_TheOldOneStops_TheNewOneWorks_WithTheSameScopes_AndBothAreAudited()
    {
        using var app = new PortalAppFactory();
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        var old = await keys.CreateAsync(new ApiKeyRequest("default-project", ApiKeyScopes.Read | ApiKeyScopes.Ingest, "collector"), new AuditActor("admin@example.com", "10.0.0.9"), CancellationToken.None);

        var rotated = await keys.RotateAsync(old.Key.Id, new AuditActor("admin@example.com", "10.0.0.9"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateApiClient(old.Secret).GetAsync("/agents")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateApiClient(rotated.Secret).GetAsync("/agents")).StatusCode);
        Assert.Equal(old.Key.Scopes, rotated.Key.Scopes);
        Assert.Equal("collector", rotated.Key.Name);
        Assert.Equal(old.Key.Id, rotated.Key.RotatedFrom);
        var audit = await AuditAsync(app, "apikey");
        Assert.Contains(audit, e => e.Action == AuditActions.ApiKeyRotated && e.Address == "10.0.0.9" && e.Actor == "admin@example.com");
        Assert.All(audit, e => Assert.DoesNotContain(old.Secret, e.Detail ?? ""));
        Assert.All(audit, e => Assert.DoesNotContain(rotated.Secret, (e.Detail ?? "") + e.Target));
    }

    [Fact]
    public async Task DisabledAccount_CannotSignIn_AndItsOpenSessionEnds()
    {
        using var app = new PortalAppFactory().With("Security:SessionRevalidationInterval", "00:00:00");
        var email = "leaving@example.com";
        var password = await app.CreatePersonAsync(email, PortalRoles.Operator);
        var session = await app.CreateSignedInClientAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/registry")).StatusCode);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var directory = scope.ServiceProvider.GetRequiredService<UserDirectory>();
            var user = (await directory.ListAsync(CancellationToken.None)).Single(u => u.Email == email);
            await directory.SetDisabledAsync(user.Id, true, new AuditActor(PortalAppFactory.AdminEmail, null), CancellationToken.None);
        }

        var after = await session.GetAsync("/registry");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/account/login", after.Headers.Location!.ToString());
        var again = await PortalAppFactory.PostSignInAsync(NewClient(app), email, password);
        Assert.Contains(UiText.Login.Disabled, await BodyAsync(again));
    }

    [Fact]
    public async Task TheOnlyAdmin_CannotBeDemotedOrDisabled()
    {
        using var app = new PortalAppFactory();
        _ = app.CreateClientWithoutRedirects();
        await using var scope = app.Services.CreateAsyncScope();
        var directory = scope.ServiceProvider.GetRequiredService<UserDirectory>();
        var admin = (await directory.ListAsync(CancellationToken.None)).Single();
        var actor = new AuditActor("someone-else@example.com", null);

        var demote = await Assert.ThrowsAsync<AgentPortal.Core.Common.ValidationFailedException>(() => directory.SetRoleAsync(admin.Id, PortalRoles.Viewer, actor, CancellationToken.None));
        Assert.Contains("only active Admin", demote.Errors["role"][0]);
        await Assert.ThrowsAsync<AgentPortal.Core.Common.ValidationFailedException>(() => directory.SetDisabledAsync(admin.Id, true, actor, CancellationToken.None));
    }

    [Fact]
    public async Task SignOutEverywhere_EndsTheOtherSessions()
    {
        using var app = new PortalAppFactory().With("Security:SessionRevalidationInterval", "00:00:00");
        var laptop = await app.CreateAdminClientAsync();
        var phone = await app.CreateAdminClientAsync();

        var manage = await laptop.GetStringAsync("/account/manage");
        var signOut = await laptop.PostAsync("/account/signout-everywhere", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = CookieJar.ReadAntiforgeryToken(manage),
        }));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Contains("/account/login?ReturnUrl", (await phone.GetAsync("/")).Headers.Location!.ToString());
        Assert.Contains(await AuditAsync(app, "user"), e => e.Action == AuditActions.SignedOutEverywhere);
    }

    [Fact]
    public async Task NewAccount_MustChangeItsGeneratedPassword_AndCanThenSignInWithTheNewOne()
    {
        using var app = new PortalAppFactory();
        var email = "new@example.com";
        var generated = await app.CreatePersonAsync(email, PortalRoles.Viewer);
        var client = NewClient(app);

        var signedIn = await PortalAppFactory.PostSignInAsync(client, email, generated);
        Assert.EndsWith("/account/manage?required=1", signedIn.Headers.Location!.ToString());
        var manage = await client.GetAsync("/account/manage?required=1");
        var page = await manage.Content.ReadAsStringAsync();
        Assert.True(manage.StatusCode == HttpStatusCode.OK, $"{(int)manage.StatusCode} {manage.Headers.Location} {page[..Math.Min(page.Length, 3000)]}");
        Assert.Contains(UiText.Manage.Required, System.Net.WebUtility.HtmlDecode(page));

        var changed = await client.PostAsync("/account/manage", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "change-password",
            ["__RequestVerificationToken"] = CookieJar.ReadAntiforgeryToken(page),
            ["Input.Current"] = generated,
            ["Input.New"] = "a brand new passphrase",
            ["Input.Confirm"] = "a brand new passphrase",
        }));
        Assert.Contains(UiText.Manage.Changed, System.Net.WebUtility.HtmlDecode(await changed.Content.ReadAsStringAsync()));

        var again = await PortalAppFactory.PostSignInAsync(NewClient(app), email, "a brand new passphrase");
        Assert.DoesNotContain("/account/", again.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Responses_CarryTheSecurityHeaders_AndCorsIsClosedByDefault()
    {
        using var app = new PortalAppFactory();
        var client = app.CreateClientWithoutRedirects();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await client.SendAsync(request);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'self'", csp);
        Assert.Contains("frame-src 'self'", csp);
        Assert.Matches("script-src 'self' 'nonce-[0-9a-f]{32}';", csp);
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\"", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("camera=()", response.Headers.GetValues("Permissions-Policy").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Contains("httponly", string.Join(";", response.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ConfiguredCorsOrigin_IsAllowed_WithoutCredentials()
    {
        using var app = new PortalAppFactory().With("Security:CorsOrigins:0", "https://tools.example.com");
        var client = app.CreateApiClient();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/agents");
        preflight.Headers.Add("Origin", "https://tools.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization");

        var response = await client.SendAsync(preflight);

        Assert.Equal("https://tools.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task AViewer_CannotChangeAnything_ThroughTheApi()
    {
        using var app = new PortalAppFactory();
        var viewer = await app.CreateClientForRoleAsync(PortalRoles.Viewer);
        var json = new StringContent("{\"name\":\"x\",\"type\":\"custom\"}", Encoding.UTF8, "application/json");

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/agents/register", json)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PutAsync("/admin/prices", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/v1/traces", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/chat/completions", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/agents")).StatusCode);
    }

    private static HttpClient NewClient(PortalAppFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    private static async Task<string> BodyAsync(HttpResponseMessage response) => System.Net.WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    private static async Task<IReadOnlyList<AuditEvent>> AuditAsync(PortalAppFactory app, string area) =>
        (await app.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(Area: area, PageSize: 500), CancellationToken.None)).Items;
}
