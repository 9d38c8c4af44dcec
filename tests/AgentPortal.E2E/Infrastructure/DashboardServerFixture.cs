using AgentPortal.Tests.Shared;
using Microsoft.Playwright;

namespace AgentPortal.E2E.Infrastructure;

/// <summary>One running portal per test class, started on its embedded defaults.</summary>
public class DashboardServerFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@agentportal.local";
    public const string IngestKey = "ap_e2eIngestKey0123456789abcdefXYZ";

    public DashboardProcess Server { get; } = new();

    public string AdminPassword => Server.GeneratedPassword
        ?? throw new InvalidOperationException("The first start did not print a generated password:\n" + Server.Output);

    public Uri BaseAddress => Server.BaseAddress ?? throw new InvalidOperationException("The portal is not started.");

    public Task InitializeAsync()
    {
        Server.Environment["Bootstrap__IngestApiKey"] = IngestKey;
        Configure(Server.Environment);
        return Server.StartAsync();
    }

    /// <summary>Settings besides the defaults, for a test class that needs them (as environment variables).</summary>
    protected virtual void Configure(Dictionary<string, string> environment)
    {
    }

    /// <summary>A client of the machine API, for seeding data the way agents send it.</summary>
    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", IngestKey);
        return client;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public Task SignInAsync(BrowserSession session, string? screenshot = null) => SignInAsAsync(session, AdminEmail, AdminPassword, screenshot);

    public async Task SignInAsAsync(BrowserSession session, string email, string password, string? screenshot = null, string landing = "/")
    {
        var page = session.Page;
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        if (screenshot is not null)
        {
            await session.ScreenshotAsync(screenshot);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == landing);
        if (landing == "/")
        {
            await session.WaitForInteractiveAsync();
        }
    }
}
