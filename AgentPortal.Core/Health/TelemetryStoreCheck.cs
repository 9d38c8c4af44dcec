using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Health;

/// <summary>The telemetry store (SQLite file or ClickHouse server) answers.</summary>
public sealed class TelemetryStoreCheck(ITelemetryStore store, TimeProvider time) : IDependencyCheck
{
    public string Name => store.Name;

    public bool Required => true;

    public async Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        await store.PingAsync(cancellationToken);
        return new DependencyStatus(Name, true, Required, time.GetElapsedTime(started), null);
    }
}
