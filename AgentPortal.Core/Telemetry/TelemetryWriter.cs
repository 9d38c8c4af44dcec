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
/// The store could not commit the write (it is down, unreachable or out of disk): nothing was stored,
/// and the caller should retry after <see cref="RetryAfter"/> (HTTP 503, gRPC UNAVAILABLE). The store's
/// own error is the inner exception; its message is kept in this one's.
/// </summary>
public sealed class TelemetryStoreUnavailableException(string store, Exception inner)
    : Exception($"The telemetry store ({store}) could not commit the write, so nothing was stored: {inner.Message} Retry after {DefaultRetryAfter.TotalSeconds:0} s.", inner)
{
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    public TimeSpan RetryAfter => DefaultRetryAfter;
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

    /// <summary>Writes waiting in the queue now, for the queue-depth metric.</summary>
    public int Queued => _queue.Reader.Count;
    private readonly ITelemetryStore _store;
    private readonly TracingOptions _options;
    private readonly ILogger<TelemetryWriter> _logger;
    private readonly TelemetryChanges? _changes;

    public TelemetryWriter(ITelemetryStore store, IOptions<TracingOptions> options, ILogger<TelemetryWriter> logger, TelemetryChanges? changes = null)
    {
        _store = store;
        _changes = changes;
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

    /// <summary>
    /// The commit loop runs on its own thread: store calls block (SQLite is synchronous), and on a
    /// two-core machine a blocked pool thread would starve request handling.
    /// </summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => CommitLoop(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void CommitLoop(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(_options.MaxBatchSize);
        // Shutdown completes the queue; this loop keeps draining until it is empty.
        while (WaitForWork(stoppingToken))
        {
            while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            Commit(batch);
            batch.Clear();
        }
    }

    private bool WaitForWork(CancellationToken stoppingToken)
    {
        if (_queue.Reader.TryPeek(out _))
        {
            return true;
        }
        try
        {
            return _queue.Reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult();
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

    private void Commit(List<Pending> batch)
    {
        try
        {
            var outcomes = _store.WriteBatchAsync([.. batch.Select(p => p.Write)], CancellationToken.None).GetAwaiter().GetResult();
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(outcomes[i]);
            }
            CommittedBatches++;
            CommittedWrites += batch.Count;
            NotifyChanges();
        }
        catch (Exception ex)
        {
            if (ex is not ReadOnlyTelemetryStoreException)
            {
                LogCommitFailed(ex, batch.Count, _store.Name);
            }
            var failure = ex is ReadOnlyTelemetryStoreException ? ex : new TelemetryStoreUnavailableException(_store.Name, ex);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(failure);
            }
        }
    }

    private void NotifyChanges()
    {
        try
        {
            _changes?.NotifyCommitted();
        }
        catch (Exception ex)
        {
            // A page's handler must never stop the commit loop.
            LogNotifyFailed(ex);
        }
    }

    private sealed record Pending(TelemetryWrite Write, TaskCompletionSource<WriteOutcome> Completion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Committing {Count} telemetry writes to {Store} failed; the callers were told")]
    private partial void LogCommitFailed(Exception exception, int count, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A listener for committed telemetry failed")]
    private partial void LogNotifyFailed(Exception exception);
}
