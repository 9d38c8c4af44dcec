using AgentPortal.Core.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Tests.Telemetry;

public class TelemetryWriterTests
{
    [Fact]
    public async Task Write_CompletesOnlyAfterTheBatchIsCommitted_AndConcurrentWritesShareCommits()
    {
        var store = new GatedStore();
        var writer = Writer(store, capacity: 100);
        await writer.StartAsync(CancellationToken.None);

        var first = writer.WriteAsync(Append());
        await store.BatchStarted.WaitAsync(TimeSpan.FromSeconds(10));
        var waiting = Enumerable.Range(0, 10).Select(_ => writer.WriteAsync(Append())).ToList();
        Assert.False(first.IsCompleted);

        store.Release();
        await Task.WhenAll(waiting.Append(first)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(11, store.Writes);
        // The ten that queued while the first batch was committing went in one commit.
        Assert.Equal(2, store.Batches);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Write_WhenTheQueueIsFull_FailsAtOnceWithRetryAfter_AndAcceptsNothing()
    {
        var store = new GatedStore();
        var writer = Writer(store, capacity: 2);
        await writer.StartAsync(CancellationToken.None);
        var inFlight = writer.WriteAsync(Append());
        await store.BatchStarted.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = new[] { writer.WriteAsync(Append()), writer.WriteAsync(Append()) };

        var full = Assert.Throws<TelemetryBackpressureException>(() => { _ = writer.WriteAsync(Append()); });

        Assert.True(full.RetryAfter > TimeSpan.Zero);
        store.Release();
        await Task.WhenAll(queued.Append(inFlight)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(3, store.Writes);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_CommitsWhatIsQueuedBeforeReturning()
    {
        var store = new GatedStore();
        var writer = Writer(store, capacity: 100);
        await writer.StartAsync(CancellationToken.None);
        var first = writer.WriteAsync(Append());
        await store.BatchStarted.WaitAsync(TimeSpan.FromSeconds(10));
        var queued = Enumerable.Range(0, 5).Select(_ => writer.WriteAsync(Append())).ToList();

        var stopping = writer.StopAsync(CancellationToken.None);
        store.Release();
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(queued.Append(first), t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(6, store.Writes);
    }

    [Fact]
    public async Task Write_WhenTheStoreFails_EveryCallerInTheBatchIsTold()
    {
        var store = new GatedStore { Fail = true };
        store.Release();
        var writer = Writer(store, capacity: 100);
        await writer.StartAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<TelemetryStoreUnavailableException>(() => writer.WriteAsync(Append()).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("disk full", error.InnerException!.Message);
        Assert.Contains("nothing was stored: disk full", error.Message, StringComparison.Ordinal);
        await writer.StopAsync(CancellationToken.None);
    }

    private static TelemetryWriter Writer(ITelemetryStore store, int capacity) =>
        new(store, Options.Create(new TracingOptions { WriteQueueCapacity = capacity, MaxBatchSize = 1000 }), NullLogger<TelemetryWriter>.Instance);

    private static TelemetryWrite Append() => new TelemetryWrite.AppendSpans([]);

    /// <summary>A store whose first batch waits until the test releases it.</summary>
    private sealed class GatedStore : ITelemetryStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task BatchStarted => _started.Task;

        public bool Fail { get; init; }

        public int Writes { get; private set; }

        public int Batches { get; private set; }

        public string Name => "gated";

        public void Release() => _gate.TrySetResult();

        public async Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            await _gate.Task;
            if (Fail)
            {
                throw new IOException("disk full");
            }
            Writes += writes.Count;
            Batches++;
            return [.. writes.Select(_ => WriteOutcome.Done())];
        }

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public IAsyncEnumerable<object?[]> ExportRowsAsync(Core.Data.Export.TelemetryTable table, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task ImportRowsAsync(Core.Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<Core.Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
