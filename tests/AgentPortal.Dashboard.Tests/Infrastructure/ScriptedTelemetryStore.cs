using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AgentPortal.Core.Common;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>
/// A real store whose reads a test can hold (to see a page while it loads) or make fail (to see its
/// error state). Writes always reach the store underneath.
/// </summary>
public sealed class ScriptedTelemetryStore(ITelemetryStore inner) : ITelemetryStore, IAsyncDisposable
{
    private TaskCompletionSource _gate = Open();
    private string? _failure;

    public string Name => inner.Name;

    /// <summary>How many times each read was made, by method name.</summary>
    public ConcurrentDictionary<string, int> Reads { get; } = new();

    /// <summary>Reads wait until <see cref="Release"/>.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    /// <summary>Reads throw with this message until <see cref="Recover"/>.</summary>
    public void FailWith(string message) => _failure = message;

    public void Recover() => _failure = null;

    public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken) =>
        inner.WriteBatchAsync(writes, cancellationToken);

    public async Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) =>
        await ReadAsync(() => inner.GetRunAsync(traceId, cancellationToken));

    public Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetTraceAsync(traceId, cancellationToken));

    public Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.ListRunsAsync(request, cancellationToken));

    public Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetAgentUsageAsync(agentId, from, to, cancellationToken));

    public Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetHourlyUsageAsync(agentId, from, to, cancellationToken));

    public Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetUsageByAgentAsync(from, to, cancellationToken));

    public Task<IReadOnlyList<ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetModelUsageAsync(agentId, from, to, cancellationToken));

    public Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetRunModelUsageAsync(traceIds, cancellationToken));

    public Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetTopErrorsAsync(agentId, from, to, limit, cancellationToken));

    public Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetUsageByUserAsync(from, to, projectId, cancellationToken));

    public Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken) => inner.PurgeAsync(request, cancellationToken);

    public Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => inner.GetStatsAsync(cancellationToken));

    public IAsyncEnumerable<object?[]> ExportRowsAsync(Core.Data.Export.TelemetryTable table, CancellationToken cancellationToken) => inner.ExportRowsAsync(table, cancellationToken);

    public Task ImportRowsAsync(Core.Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) => inner.ImportRowsAsync(table, rows, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => ReadAsync(async () =>
    {
        await inner.PingAsync(cancellationToken);
        return true;
    });

    public async ValueTask DisposeAsync()
    {
        if (inner is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private async Task<T> ReadAsync<T>(Func<Task<T>> read, [CallerMemberName] string method = "")
    {
        Reads.AddOrUpdate(method, 1, (_, count) => count + 1);
        await _gate.Task;
        return _failure is { } failure ? throw new InvalidOperationException(failure) : await read();
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
