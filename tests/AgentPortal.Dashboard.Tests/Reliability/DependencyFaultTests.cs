using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;

namespace AgentPortal.Dashboard.Tests.Reliability;

/// <summary>
/// ClickHouse stops mid-run: /ready names it within seconds, writes answer 503 with Retry-After (never
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

        await clickhouse.StartAgainAsync();

        await EventuallyAsync(async () => await client.GetAsync("/ready") is { StatusCode: HttpStatusCode.OK } r ? r : null, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "after" })).StatusCode);
        foreach (var traceId in acknowledged)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{traceId}")).StatusCode);
        }
    }

    /// <summary>One OTLP/JSON export of a span in a new trace; the trace id is kept only when it was acknowledged.</summary>
    private static async Task<HttpResponseMessage> ExportAsync(HttpClient client, List<string> acknowledged)
    {
        var traceId = AgentRunService.NewHexId(16);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var body = $$$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{{traceId}}}","spanId":"{{{AgentRunService.NewHexId(8)}}}","name":"chat gpt-4o",
             "startTimeUnixNano":"{{{now}}}","endTimeUnixNano":"{{{now + 1_000_000}}}","attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}}]}]}]}]}
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
