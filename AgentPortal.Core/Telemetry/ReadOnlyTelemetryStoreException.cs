namespace AgentPortal.Core.Telemetry;

/// <summary>
/// The telemetry store only reads (ClickHouse Collector mode): a write is refused with a message that
/// says where spans go instead. Callers are told (HTTP 503); it is not a failure to log.
/// </summary>
public sealed class ReadOnlyTelemetryStoreException(string message) : NotSupportedException(message);
