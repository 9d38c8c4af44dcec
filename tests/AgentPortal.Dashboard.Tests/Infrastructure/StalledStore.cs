using AgentPortal.Core.Common;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>A store whose commits of the chosen writes wait until the test releases them (other writes, such as the run timeout job's, pass).</summary>
public sealed class StalledStore(Func<TelemetryWrite, bool> stalls) : ITelemetryStore
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Stalled => _stalled.Task;

    public string Name => "stalled";

    public void Release() => _release.TrySetResult();

    public async Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Any(stalls))
        {
            _stalled.TrySetResult();
            await _release.Task;
        }
        return [.. writes.Select(_ => WriteOutcome.Done(1))];
    }

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) => Task.FromResult(new PurgeOutcome(0, 0, 0, true, "nothing to delete"));
    public Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken) => Task.FromResult(new TelemetryStoreStats(Name, "memory", 0, 0, [], null, null));
    public IAsyncEnumerable<object?[]> ExportRowsAsync(Core.Data.Export.TelemetryTable table, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task ImportRowsAsync(Core.Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) => Task.FromResult<RunRecord?>(null);
    public Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<SpanRecord>>([]);
    public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) => Task.FromResult(new PagedResult<RunRecord>([], 0, 1, 50));
    public Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult(new AgentUsage(agentId, 0, 0, 0, 0, 0, null, null));
    public Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<HourlyUsage>>([]);
    public Task<IReadOnlyList<Core.Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Core.Pricing.ModelUsage>>([]);

    public Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<RunModelUsage>>([]);
    public Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<AgentPeriodUsage>>([]);
    public Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ErrorGroup>>([]);

    public Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<UserModelUsage>>([]);
}
