namespace AgentPortal.Core.Telemetry;

/// <summary>
/// Tells open pages that new telemetry was committed, so they can refresh. Raised by
/// <see cref="TelemetryWriter"/> after each committed batch, on the commit thread: handlers must
/// return at once (pages throttle and refresh on their own dispatcher).
/// </summary>
public sealed class TelemetryChanges
{
    public event Action? Committed;

    public void NotifyCommitted() => Committed?.Invoke();
}
