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
}
