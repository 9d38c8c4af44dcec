namespace AgentPortal.Dashboard.Model;

/// <summary>
/// Refreshes a page when new telemetry is committed: at most once per <see cref="Interval"/>, however fast
/// commits arrive, and not while paused (a commit while paused is remembered and shown as "new data
/// waiting"). Time comes from the injected clock, so tests move it on instead of sleeping.
/// </summary>
public sealed class LiveUpdatesModel(TimeProvider time, Func<Func<Task>, Task> dispatch, Func<Task> refresh, ILogger logger) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private int _scheduled;
    private DateTimeOffset _lastRun = DateTimeOffset.MinValue;

    /// <summary>Raised when what the control shows changes outside a refresh (a commit while paused).</summary>
    public event Action? Changed;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    public bool Paused { get; private set; }

    /// <summary>Data was committed while paused.</summary>
    public bool Missed { get; private set; }

    public DateTimeOffset? LastRefresh { get; private set; }

    public void OnCommitted()
    {
        if (Paused)
        {
            if (!Missed)
            {
                Missed = true;
                Changed?.Invoke();
            }
            return;
        }
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _ = RefreshSoonAsync();
        }
    }

    public async Task SetLiveAsync(bool live)
    {
        Paused = !live;
        if (live && Missed)
        {
            Missed = false;
            await RefreshAsync();
        }
    }

    private async Task RefreshSoonAsync()
    {
        try
        {
            var wait = Interval - (time.GetUtcNow() - _lastRun);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, _stopping.Token);
            }
            Volatile.Write(ref _scheduled, 0);
            await dispatch(RefreshAsync);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A live refresh failed");
        }
    }

    private async Task RefreshAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        if (Paused)
        {
            Missed = true;
            Changed?.Invoke();
            return;
        }
        _lastRun = time.GetUtcNow();
        await refresh();
        LastRefresh = time.GetUtcNow();
        Changed?.Invoke();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
