using System.Net;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AgentPortal.Dashboard.Tests.Api;

public class HealthApiTests
{
    [Fact]
    public async Task Health_Anonymous_ReturnsAlive()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();

        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("alive", body.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_WithMigratedDatabase_ReportsEachStoreUp()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();

        var response = await client.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ready", body.RootElement.GetProperty("status").GetString());
        var registry = body.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "registry-database");
        Assert.Equal("up", registry.GetProperty("status").GetString());
        Assert.True(registry.GetProperty("latency_ms").GetDouble() >= 0);
    }

    [Fact]
    public async Task Ready_WhenRegistryDatabaseIsGone_Returns503NamingTheDependencyAndWhy()
    {
        using var factory = new PortalAppFactory();
        var client = factory.CreateClientWithoutRedirects();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/ready")).StatusCode);

        // A wiped or unmounted volume: the database file is gone.
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(factory.DataDirectory, "portal.db*"))
        {
            File.Delete(file);
        }

        var response = await client.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("not_ready", body.RootElement.GetProperty("status").GetString());
        var registry = body.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "registry-database");
        Assert.Equal("down", registry.GetProperty("status").GetString());
        Assert.Contains("cannot open the database", registry.GetProperty("error").GetString());
    }
}
