using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Common;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Api;

public class BackpressureTests
{
    [Fact]
    public async Task FullWriteQueue_Answers429WithRetryAfter_AndTheQueuedWritesStillCommit()
    {
        var store = new StalledStore();
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

    /// <summary>A store whose commits of run starts wait until the test releases them (other writes, such as the run timeout job's, pass).</summary>
    private sealed class StalledStore : ITelemetryStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Stalled => _stalled.Task;

        public string Name => "stalled";

        public void Release() => _release.TrySetResult();

        public async Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
        {
            if (writes.Any(w => w is TelemetryWrite.StartRun))
            {
                _stalled.TrySetResult();
                await _release.Task;
            }
            return [.. writes.Select(_ => WriteOutcome.Done(1))];
        }

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) => Task.FromResult<RunRecord?>(null);
        public Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SpanRecord>>([]);
        public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) => Task.FromResult(new PagedResult<RunRecord>([], 0, 1, 50));
        public Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult(new AgentUsage(agentId, 0, 0, 0, 0, 0, null, null));
        public Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<HourlyUsage>>([]);
        public Task<IReadOnlyList<Core.Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Core.Pricing.ModelUsage>>([]);

        public Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunModelUsage>>([]);
        public Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<AgentPeriodUsage>>([]);
        public Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ErrorGroup>>([]);
    }
}
