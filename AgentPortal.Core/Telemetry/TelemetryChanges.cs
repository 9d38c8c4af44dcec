namespace AgentPortal.Core.Telemetry;

/// <summary>
/// Tells open pages that new telemetry was committed, so they can refresh. Raised by
/// <see cref="TelemetryWriter"/> after each committed batch, on the commit thread: handlers must
/// return at once (pages throttle and refresh on their own dispatcher).
/// </summary>
public sealed class TelemetryChanges
{
    private long _version;

    public event Action? Committed;

    /// <summary>How many batches have been committed since start; pages compare it to see if anything changed.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void NotifyCommitted()
    {
        Interlocked.Increment(ref _version);
        Committed?.Invoke();
    }
}
