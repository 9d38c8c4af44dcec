using System.Threading.Channels;
using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Telemetry;

/// <summary>The queue is full: the caller should retry after <see cref="RetryAfter"/> (HTTP 429). Nothing was accepted.</summary>
public sealed class TelemetryBackpressureException(TimeSpan retryAfter)
    : Exception($"The telemetry queue is full; nothing was stored. Retry after {retryAfter.TotalSeconds:0} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The single way writes reach the telemetry store: a bounded queue drained by one loop that commits
/// many callers' writes together (group commit). A caller's task completes only after its write is
/// committed; when the queue is full the caller is told at once, never silently dropped. Pending
/// writes are committed on graceful shutdown.
/// </summary>
public sealed partial class TelemetryWriter : BackgroundService
{
    private readonly Channel<Pending> _queue;
    private readonly ITelemetryStore _store;
    private readonly TracingOptions _options;
    private readonly ILogger<TelemetryWriter> _logger;

    public TelemetryWriter(ITelemetryStore store, IOptions<TracingOptions> options, ILogger<TelemetryWriter> logger)
    {
        _store = store;
        _options = options.Value;
        _logger = logger;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long CommittedBatches { get; private set; }

    public long CommittedWrites { get; private set; }

    public Task<WriteOutcome> WriteAsync(TelemetryWrite write, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(write, new TaskCompletionSource<WriteOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new TelemetryBackpressureException(TimeSpan.FromSeconds(1));
        }
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(_options.MaxBatchSize);
        // Shutdown stops new work at the HTTP layer first; this loop keeps draining until the queue is empty.
        while (await WaitForWorkAsync(stoppingToken))
        {
            while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    private async Task<bool> WaitForWorkAsync(CancellationToken stoppingToken)
    {
        if (_queue.Reader.TryPeek(out _))
        {
            return true;
        }
        try
        {
            return await _queue.Reader.WaitToReadAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            _queue.Writer.TryComplete();
            return _queue.Reader.TryPeek(out _);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        try
        {
            var outcomes = await _store.WriteBatchAsync([.. batch.Select(p => p.Write)], CancellationToken.None);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(outcomes[i]);
            }
            CommittedBatches++;
            CommittedWrites += batch.Count;
        }
        catch (Exception ex)
        {
            LogCommitFailed(ex, batch.Count, _store.Name);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(ex);
            }
        }
    }

    private sealed record Pending(TelemetryWrite Write, TaskCompletionSource<WriteOutcome> Completion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing {Count} telemetry writes to {Store} failed; the callers were told")]
    private partial void LogCommitFailed(Exception exception, int count, string store);
}
