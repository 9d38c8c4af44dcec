using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;

namespace AgentPortal.Dashboard.Tests.Reliability;

/// <summary>
/// ClickHouse or PostgreSQL stops mid-run: /ready names it within seconds, writes answer 503 with Retry-After (never
/// a 2xx for data that was not committed), and when ClickHouse is back everything recovers by itself
/// with nothing acknowledged lost.
/// </summary>
public sealed class DependencyFaultTests
{
    [Fact]
    public async Task ClickHouseStopsMidRun_ReadyAndWritesSaySo_ThenAllRecoversByItself()
    {
        await using var clickhouse = await ClickHouseServer.StartAsync();
        using var app = new PortalAppFactory()
            .With("Telemetry:Provider", "ClickHouse")
            .With("Telemetry:ClickHouse:Url", clickhouse.Url)
            .With("Telemetry:ClickHouse:User", ClickHouseServer.User)
            .With("Telemetry:ClickHouse:Password", ClickHouseServer.Password);
        var client = app.CreateApiClient();
        var admin = await app.CreateAdminClientAsync();
        var acknowledged = new List<string>();
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged)).StatusCode);
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "fault-agent", type = "custom" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString();

        await clickhouse.StopAsync();

        var notReady = await EventuallyAsync(async () => await client.GetAsync("/ready") is { StatusCode: HttpStatusCode.ServiceUnavailable } r ? r : null, TimeSpan.FromSeconds(15));
        Assert.Contains("telemetry-clickhouse", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var refused = await ExportAsync(client, acknowledged);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("nothing was stored", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "while down" })).StatusCode);
        // The overview answers at once with the store's error instead of hanging.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var overview = await admin.GetStringAsync("/");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the page took {clock.Elapsed}");
        Assert.Contains(Dashboard.Components.UiText.Overview.LoadFailed, overview, StringComparison.Ordinal);

        await clickhouse.StartAgainAsync();

        await EventuallyAsync(async () => await client.GetAsync("/ready") is { StatusCode: HttpStatusCode.OK } r ? r : null, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "after" })).StatusCode);
        foreach (var traceId in acknowledged)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{traceId}")).StatusCode);
        }
    }

    [Fact]
    public async Task PostgreSqlStopsMidRun_ReadyWritesAndPagesSaySo_ThenAllRecoversByItself()
    {
        await using var postgres = await PostgresServer.StartAsync();
        using var app = new PortalAppFactory()
            .With("Storage:Provider", "Postgres")
            .With("Storage:ConnectionString", await postgres.CreateDatabaseAsync());
        var client = app.CreateApiClient();
        var admin = await app.CreateAdminClientAsync();
        var acknowledged = new List<string>();
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged)).StatusCode);
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "pg-fault-agent", type = "custom" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString();

        await postgres.StopAsync();

        var notReady = await EventuallyAsync(async () => await client.GetAsync("/ready") is { StatusCode: HttpStatusCode.ServiceUnavailable } r ? r : null, TimeSpan.FromSeconds(15));
        Assert.Contains("registry-database", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A new agent named in a span must be registered, which needs the registry: nothing is stored.
        var refused = await ExportAsync(client, acknowledged, agentName: "pg-fault-new-agent");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("The registry database cannot be reached", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A key this replica has not checked before cannot be checked now: 503, not 401.
        var neverChecked = await app.CreateApiClient("ap_neverCheckedBefore0123456789abcdef").GetAsync("/agents");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, neverChecked.StatusCode);
        Assert.NotNull(neverChecked.Headers.RetryAfter);
        var register = await client.PostAsJsonAsync("/agents/register", new { name = "pg-fault-other", type = "custom" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, register.StatusCode);
        Assert.NotNull(register.Headers.RetryAfter);
        // A page answers at once with its error state instead of hanging.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var page = await admin.GetAsync("/agents");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the page took {clock.Elapsed}");
        Assert.Contains("The registry database cannot be reached", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await postgres.StartAgainAsync();

        await EventuallyAsync(async () => await client.GetAsync("/ready") is { StatusCode: HttpStatusCode.OK } r ? r : null, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged, agentName: "pg-fault-new-agent")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "after" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/agents")).StatusCode);
        foreach (var traceId in acknowledged)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{traceId}")).StatusCode);
        }
    }

    /// <summary>One OTLP/JSON export of a span in a new trace; the trace id is kept only when it was acknowledged.</summary>
    private static async Task<HttpResponseMessage> ExportAsync(HttpClient client, List<string> acknowledged, string? agentName = null)
    {
        var agent = agentName is null ? "" : $$$"""{"key":"gen_ai.agent.name","value":{"stringValue":"{{{agentName}}}"}},""";
        var traceId = AgentRunService.NewHexId(16);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var body = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{{traceId}}}","spanId":"{{{AgentRunService.NewHexId(8)}}}","name":"chat gpt-4o",
             "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 1_000_000}}}","attributes":[{{{agent}}}{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}}]}]}]}]}
            """;
        var response = await client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.IsSuccessStatusCode)
        {
            acknowledged.Add(traceId);
        }
        return response;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> attempt, TimeSpan within)
        where T : class
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            if (await attempt() is { } result)
            {
                return result;
            }
            Assert.True(DateTime.UtcNow < until, $"not within {within}");
            await Task.Delay(250);
        }
    }
}
