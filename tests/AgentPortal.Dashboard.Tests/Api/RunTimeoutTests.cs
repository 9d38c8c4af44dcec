using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentPortal.Dashboard.Tests.Api;

public class RunTimeoutTests
{
    [Fact]
    public async Task RunNeverEnded_IsClosedAsTimedOutError_AfterTracingRunTimeout()
    {
        // The portal's clock is moved on by the test: the run times out without anyone waiting an hour.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new PortalAppFactory()
            .With("Tracing:RunTimeout", "01:00:00")
            .With("Tracing:RunTimeoutCheckInterval", "00:01:00")
            .WithServices(services => services.AddSingleton<TimeProvider>(clock));
        var client = app.CreateApiClient();
        using var registered = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "forgetful", type = "autogen" })).Content.ReadAsStringAsync());
        var id = registered.RootElement.GetProperty("id").GetString();
        using var started = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "plan a trip" })).Content.ReadAsStringAsync());
        var traceId = started.RootElement.GetProperty("trace_id").GetString();

        using (var running = JsonDocument.Parse(await client.GetStringAsync($"/traces/{traceId}")))
        {
            Assert.Equal("running", running.RootElement.GetProperty("run").GetProperty("status").GetString());
        }
        clock.Advance(TimeSpan.FromMinutes(61));

        // The job's close goes through the write queue: look until it is committed (bounded).
        string? status = null;
        string? error = null;
        for (var attempt = 0; attempt < 100 && status != "error"; attempt++)
        {
            await Task.Delay(50);
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
