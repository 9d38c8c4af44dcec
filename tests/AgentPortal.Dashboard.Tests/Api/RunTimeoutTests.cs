using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Api;

public class RunTimeoutTests
{
    [Fact]
    public async Task RunNeverEnded_IsClosedAsTimedOutError_AfterTracingRunTimeout()
    {
        using var app = new PortalAppFactory()
            .With("Tracing:RunTimeout", "00:00:01")
            .With("Tracing:RunTimeoutCheckInterval", "00:00:00.200");
        var client = app.CreateApiClient();
        using var registered = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "forgetful", type = "autogen" })).Content.ReadAsStringAsync());
        var id = registered.RootElement.GetProperty("id").GetString();
        using var started = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "plan a trip" })).Content.ReadAsStringAsync());
        var traceId = started.RootElement.GetProperty("trace_id").GetString();

        string? status = null;
        string? error = null;
        for (var attempt = 0; attempt < 50 && status != "error"; attempt++)
        {
            await Task.Delay(200);
            using var trace = JsonDocument.Parse(await client.GetStringAsync($"/traces/{traceId}"));
            status = trace.RootElement.GetProperty("run").GetProperty("status").GetString();
            error = trace.RootElement.GetProperty("run").GetProperty("error").GetString();
        }

        Assert.Equal("error", status);
        Assert.StartsWith("timed out", error);
        var end = await client.PostAsJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId });
        Assert.Equal(HttpStatusCode.Conflict, end.StatusCode);
    }
}
