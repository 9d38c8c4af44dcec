using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>The same API on PostgreSQL (registry) and ClickHouse (telemetry), both real servers on loopback.</summary>
public class ScaledOutBackendsTests
{
    [Fact]
    public async Task RegisterRunAndRead_OnPostgresAndClickHouse()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var clickhouse = await ClickHouseServer.StartAsync();
        using var app = new PortalAppFactory()
            .With("Storage:Provider", "Postgres")
            .With("Storage:ConnectionString", await postgres.CreateDatabaseAsync())
            .With("Telemetry:Provider", "ClickHouse")
            .With("Telemetry:ClickHouse:Url", clickhouse.Url)
            .With("Telemetry:ClickHouse:User", ClickHouseServer.User)
            .With("Telemetry:ClickHouse:Password", ClickHouseServer.Password);
        var client = app.CreateApiClient();

        using var ready = JsonDocument.Parse(await client.GetStringAsync("/ready"));
        Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());
        Assert.Contains(ready.RootElement.GetProperty("dependencies").EnumerateArray(), d => d.GetProperty("name").GetString() == "telemetry-clickhouse");

        var registered = await client.PostAsJsonAsync("/agents/register", new { name = "scaled", type = "autogen" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        using var agent = JsonDocument.Parse(await registered.Content.ReadAsStringAsync());
        var id = agent.RootElement.GetProperty("id").GetString();
        using var started = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "hi" })).Content.ReadAsStringAsync());
        var traceId = started.RootElement.GetProperty("trace_id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId, status = "error", error = "boom" })).StatusCode);

        using var stats = JsonDocument.Parse(await client.GetStringAsync($"/agents/{id}/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("runs").GetInt64());
        Assert.Equal(1, stats.RootElement.GetProperty("errors").GetInt64());
        using var trace = JsonDocument.Parse(await client.GetStringAsync($"/traces/{traceId}"));
        Assert.Equal("boom", trace.RootElement.GetProperty("run").GetProperty("error").GetString());
    }
}
