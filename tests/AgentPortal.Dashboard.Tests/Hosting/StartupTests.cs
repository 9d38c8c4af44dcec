using System.Diagnostics;
using AgentPortal.Tests.Shared;

namespace AgentPortal.Dashboard.Tests.Hosting;

/// <summary>Starts the real executable, as a person would, to check what start-up prints and leaves on disk.</summary>
public class StartupTests
{
    [Fact]
    public async Task BadConfiguration_ExitsWithOneMessageListingEveryProblem_AndCreatesNothing()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "agentportal-tests", Guid.NewGuid().ToString("N"), "data");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "AgentPortal.Dashboard.dll"),
                "--urls", "http://127.0.0.1:0",
            },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["Telemetry__Provider"] = "Clickhose";
        start.Environment["Bootstrap__AdminEmail"] = "not-an-email";

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        var message = await stderr;
        Assert.StartsWith("AgentPortal cannot start: 2 configuration problems.", message);
        Assert.Contains("Telemetry__Provider", message);
        Assert.Contains("Bootstrap__AdminEmail", message);
        Assert.DoesNotContain("Exception", message + await stdout);
        Assert.False(Directory.Exists(dataDirectory), "start-up must not create the data folder when the configuration is bad");
    }

    [Fact]
    public async Task FirstStart_WithJsonLogsAtDebug_NeverLogsTheAdminPassword_AndLogsAreStructured()
    {
        const string password = "a-very-secret-bootstrap-password";
        await using var portal = new DashboardProcess();
        portal.Environment["Bootstrap__AdminPassword"] = password;
        portal.Environment["Logging__LogLevel__Default"] = "Debug";
        portal.Environment["Logging__Console__FormatterName"] = "json";

        await portal.StartAsync();
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);
        await portal.StopAsync();

        Assert.DoesNotContain(password, portal.Output);
        Assert.Null(portal.GeneratedPassword);
        var created = portal.Output.Split('\n').First(line => line.Contains("Created the first administrator", StringComparison.Ordinal));
        using var entry = System.Text.Json.JsonDocument.Parse(created);
        Assert.Equal("admin@agentportal.local", entry.RootElement.GetProperty("State").GetProperty("Email").GetString());
    }

    [Fact]
    public async Task ApiKeyCreateCommand_PrintsOnlyTheKeyOnItsLastLine_AndTheKeyWorks()
    {
        await using var portal = new DashboardProcess();
        var create = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "AgentPortal.Dashboard.dll"),
                "apikey", "create", "--project", "team-cli", "--scopes", "ingest,read",
                $"--Storage:DataDirectory={portal.DataDirectory}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = portal.Root,
        };
        using (var process = Process.Start(create)!)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            var key = output.TrimEnd().Split('\n')[^1];
            Assert.Matches("^ap_[A-Za-z0-9]{40}$", key);

            await portal.StartAsync();
            using var client = new HttpClient { BaseAddress = portal.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
            var registered = await client.PostAsync("/agents/register", new StringContent("""{"name":"cli-agent","type":"custom"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Created, registered.StatusCode);
            Assert.Contains("\"project_id\":\"team-cli\"", await registered.Content.ReadAsStringAsync());
            Assert.DoesNotContain(key, portal.Output);
        }
    }

    [Fact]
    public async Task ApiKeyCreateCommand_WithBadScopes_ExplainsAndExitsNonZero()
    {
        var create = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "AgentPortal.Dashboard.dll"),
                "apikey", "create", "--project", "p", "--scopes", "write",
                $"--Storage:DataDirectory={Path.Combine(Path.GetTempPath(), "agentportal-tests", Guid.NewGuid().ToString("N"))}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(create)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--scopes 'write' is not valid", error);
        Assert.Contains("ingest, read", error);
    }
}
