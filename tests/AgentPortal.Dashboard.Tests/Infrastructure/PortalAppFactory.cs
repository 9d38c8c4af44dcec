using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>The real app in-process with a throw-away data folder and a known first administrator.</summary>
public sealed class PortalAppFactory : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "test-admin-password-1";
    public const string IngestKey = "ap_testIngestKey0123456789abcdefXYZ";

    private readonly Dictionary<string, string?> _settings = [];
    private Action<IServiceCollection>? _services;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "agentportal-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Bootstrap:AdminEmail", AdminEmail);
        builder.UseSetting("Bootstrap:AdminPassword", AdminPassword);
        builder.UseSetting("Bootstrap:IngestApiKey", IngestKey);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    /// <summary>Replaces services after the app registered its own, set before the first client is created.</summary>
    public PortalAppFactory WithServices(Action<IServiceCollection> configure)
    {
        _services = configure;
        return this;
    }

    /// <summary>Extra configuration, set before the first client is created.</summary>
    public PortalAppFactory With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>A client that sends the bootstrap ingest key (scopes ingest and read, project default-project).</summary>
    public HttpClient CreateApiClient(string key = IngestKey)
    {
        var client = CreateClientWithoutRedirects();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>A client signed in as the bootstrap administrator through the sign-in form, keeping its cookies.</summary>
    public async Task<HttpClient> CreateAdminClientAsync()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var form = await client.GetStringAsync("/account/login");
        var signedIn = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = CookieJar.ReadAntiforgeryToken(form),
            ["Input.Email"] = AdminEmail,
            ["Input.Password"] = AdminPassword,
        }));
        if (signedIn.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Signing in as {AdminEmail} answered {signedIn.StatusCode}.");
        }
        return client;
    }

    public HttpClient CreateClientWithoutRedirects() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
