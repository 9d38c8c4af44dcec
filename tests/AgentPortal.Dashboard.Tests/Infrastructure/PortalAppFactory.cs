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

    /// <summary>A portal on a new, empty data folder (xUnit class fixtures need this constructor).</summary>
    public PortalAppFactory()
        : this(Path.Combine(Path.GetTempPath(), "agentportal-tests", Guid.NewGuid().ToString("N")))
    {
    }

    private PortalAppFactory(string dataDirectory) => DataDirectory = dataDirectory;

    /// <summary>A portal on the given data folder, such as a restored backup.</summary>
    public static PortalAppFactory OnDataDirectory(string dataDirectory) => new(dataDirectory);

    public string DataDirectory { get; }

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
    public Task<HttpClient> CreateAdminClientAsync() => CreateSignedInClientAsync(AdminEmail, AdminPassword);

    /// <summary>A client signed in through the sign-in form as the given person, keeping its cookies.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(string email, string password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signedIn = await PostSignInAsync(client, email, password);
        if (signedIn.StatusCode != System.Net.HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Signing in as {email} answered {signedIn.StatusCode}.");
        }
        return client;
    }

    /// <summary>Posts the sign-in form (with its antiforgery token) on a client that keeps cookies.</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string email, string password)
    {
        var form = await client.GetStringAsync("/account/login");
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = CookieJar.ReadAntiforgeryToken(form),
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>Creates an account with the given role through the People service; returns its generated password.</summary>
    public async Task<string> CreatePersonAsync(string email, string role, params string[] projects)
    {
        await using var scope = Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<AgentPortal.Core.Identity.UserDirectory>()
            .CreateAsync(email, role, projects, AgentPortal.Core.Audit.AuditActor.System, CancellationToken.None);
        return created.Password;
    }

    /// <summary>A client signed in as a new person with the given role.</summary>
    public async Task<HttpClient> CreateClientForRoleAsync(string role, params string[] projects)
    {
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com";
        return await CreateSignedInClientAsync(email, await CreatePersonAsync(email, role, projects));
    }

    public HttpClient CreateClientWithoutRedirects() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        // A closing SQLite connection may still be removing its -wal and -shm files: try a few times.
        for (var attempt = 1; Directory.Exists(DataDirectory); attempt++)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(200);
            }
        }
    }
}
