using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task TheWholePortal_OnAMariaDbRegistry_MigratesSignsInAndKeepsPeopleKeysAndAudit()
    {
        await using var mariadb = await MariaDbServer.StartAsync();
        using var app = new PortalAppFactory()
            .With("Storage:Provider", "MySql")
            .With("Storage:ConnectionString", mariadb.NewDatabase());
        var client = app.CreateApiClient();

        using var ready = JsonDocument.Parse(await client.GetStringAsync("/ready"));
        Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());
        var registered = await client.PostAsJsonAsync("/agents/register", new { name = "vanna-sql 데이터", type = "vanna" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/agents/register", new { name = "vanna-sql 데이터", type = "vanna" })).StatusCode);

        // People, roles, keys and the audit log live in the same database.
        var admin = await app.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/people")).StatusCode);
        var viewer = await app.CreateClientForRoleAsync(AgentPortal.Core.Identity.PortalRoles.Viewer);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/agents")).StatusCode);
        using var agents = JsonDocument.Parse(await viewer.GetStringAsync("/agents"));
        Assert.Contains(agents.RootElement.GetProperty("items").EnumerateArray(), a => a.GetProperty("name").GetString() == "vanna-sql 데이터");
        var audit = await app.Services.GetRequiredService<AgentPortal.Core.Audit.AuditLog>().QueryAsync(new AgentPortal.Core.Audit.AuditQuery(), CancellationToken.None);
        Assert.Contains(audit.Items, e => e.Action == AgentPortal.Core.Audit.AuditActions.AgentCreated && e.Target == "vanna-sql 데이터");
        Assert.Contains(audit.Items, e => e.Action == AgentPortal.Core.Audit.AuditActions.SignIn);
    }

    /// <summary>
    /// Collector mode stores nothing, so every write is refused with 503 and says where spans go. The
    /// table here is a stand-in (ClickHouse 18.16 has no Map type for the Collector's real one): the
    /// refusal does not depend on its columns, only on the table being reachable.
    /// </summary>
    [Fact]
    public async Task CollectorMode_RefusesWrites_With503AndWhereToSendSpans()
    {
        await using var clickhouse = await ClickHouseServer.StartAsync();
        var options = new AgentPortal.Core.Configuration.ClickHouseOptions { Url = clickhouse.Url, User = ClickHouseServer.User, Password = ClickHouseServer.Password, Database = "default" };
        using (var admin = new AgentPortal.Core.Telemetry.ClickHouse.ClickHouseClient(options))
        {
            await admin.ExecuteAsync("CREATE TABLE IF NOT EXISTS collector_stand_in (TraceId String) ENGINE = Memory", CancellationToken.None);
        }
        using var app = new PortalAppFactory()
            .With("Telemetry:Provider", "ClickHouse")
            .With("Telemetry:ClickHouse:Url", clickhouse.Url)
            .With("Telemetry:ClickHouse:User", ClickHouseServer.User)
            .With("Telemetry:ClickHouse:Password", ClickHouseServer.Password)
            .With("Telemetry:ClickHouse:Database", "default")
            .With("Telemetry:ClickHouse:Mode", "Collector")
            .With("Telemetry:ClickHouse:TracesTable", "collector_stand_in");
        var client = app.CreateApiClient();
        using var registered = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "collected", type = "custom" })).Content.ReadAsStringAsync());
        var id = registered.RootElement.GetProperty("id").GetString();

        var start = await client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "hi" });
        var otlp = await client.PostAsync("/v1/traces", new StringContent("""{"resourceSpans": []}""", System.Text.Encoding.UTF8, "application/json"));
        var spans = await client.PostAsync("/v1/traces", new StringContent(
            """{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "00f067aa0ba902b7", "name": "chat", "startTimeUnixNano": "1", "endTimeUnixNano": "2"}]}]}]}""",
            System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, start.StatusCode);
        using var problem = JsonDocument.Parse(await start.Content.ReadAsStringAsync());
        Assert.Equal(AgentPortal.Core.Telemetry.ClickHouse.CollectorTracesStore.ReadOnlyMessage, problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, otlp.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, spans.StatusCode);
        Assert.Contains("Send spans to the Collector", await spans.Content.ReadAsStringAsync());
        using var ready = JsonDocument.Parse(await client.GetStringAsync("/ready"));
        Assert.Contains(ready.RootElement.GetProperty("dependencies").EnumerateArray(), d => d.GetProperty("name").GetString() == "telemetry-clickhouse-collector");
    }
}
