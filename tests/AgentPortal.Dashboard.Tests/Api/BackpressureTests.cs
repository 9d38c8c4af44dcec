using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Api;

public class BackpressureTests
{
    [Fact]
    public async Task FullWriteQueue_Answers429WithRetryAfter_AndTheQueuedWritesStillCommit()
    {
        var store = new StalledStore(write => write is TelemetryWrite.StartRun);
        using var app = new PortalAppFactory()
            .With("Tracing:WriteQueueCapacity", "1")
            .WithServices(services => services.AddSingleton<ITelemetryStore>(store));
        var client = app.CreateApiClient();
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "flooded", type = "custom" })).Content.ReadAsStringAsync());
        var id = agent.RootElement.GetProperty("id").GetString();

        // The first start is being committed (the store is stalled); the queue holds one more.
        var committing = client.PostAsJsonAsync($"/agents/{id}/trace/start", new { });
        await store.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        var more = Enumerable.Range(0, 5).Select(_ => client.PostAsJsonAsync($"/agents/{id}/trace/start", new { })).ToList();
        await WaitUntilAsync(() => more.Count(t => t.IsCompleted) == 4);

        var refused = more.Where(t => t.IsCompleted).Select(t => t.Result).ToList();
        Assert.Equal(4, refused.Count);
        Assert.All(refused, response =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        });
        using var problem = JsonDocument.Parse(await refused[0].Content.ReadAsStringAsync());
        Assert.Contains("nothing was stored", problem.RootElement.GetProperty("detail").GetString());

        store.Release();
        Assert.Equal(HttpStatusCode.Created, (await committing).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await more.Single(t => !refused.Contains(t.Result))).StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 250 && !condition(); i++)
        {
            await Task.Delay(20);
        }
    }
}
