namespace AgentPortal.Core.Telemetry.Retention;

/// <summary>
/// One round of retention: spans and runs that started before <see cref="SpansBeforeUnixNano"/>, and
/// rollup hours before <see cref="RollupsBeforeUnixNano"/>, at most <see cref="BatchSize"/> rows of
/// each table, so ingestion never waits long behind it.
/// </summary>
public sealed record PurgeRequest(long SpansBeforeUnixNano, long RollupsBeforeUnixNano, int BatchSize);

/// <summary>
/// What one round deleted. <see cref="Done"/> is false while older rows remain, so the caller runs
/// another round. <see cref="Method"/> says how (batched deletes, dropped partitions, a delete mutation).
/// </summary>
public sealed record PurgeOutcome(long Spans, long Runs, long RollupRows, bool Done, string Method)
{
    public long Total => Spans + Runs + RollupRows;
}

/// <summary>Rows and bytes of one table; bytes are null when the store cannot say per table.</summary>
public sealed record TableStats(string Name, long Rows, long? Bytes);

/// <summary>
/// What a telemetry store holds. <see cref="Bytes"/> is what it takes on disk; <see cref="UsedBytes"/>
/// what its rows take (for SQLite, pages in use: deleted rows free pages that new rows reuse, the file
/// does not shrink). <see cref="RetentionManagedBy"/> is set when the store's data is not the portal's to delete.
/// </summary>
public sealed record TelemetryStoreStats(
    string Store,
    string Location,
    long Bytes,
    long UsedBytes,
    IReadOnlyList<TableStats> Tables,
    DateTime? OldestSpan,
    DateTime? NewestSpan,
    string? RetentionManagedBy = null);
