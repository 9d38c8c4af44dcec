using AgentPortal.Core.Common;
using AgentPortal.Core.Telemetry.Retention;

namespace AgentPortal.Core.Telemetry;

/// <summary>One write to the telemetry store; a batch of them is committed together.</summary>
public abstract record TelemetryWrite
{
    public sealed record StartRun(RunStart Run) : TelemetryWrite;

    public sealed record EndRun(RunEnd End) : TelemetryWrite;

    /// <summary>
    /// Spans to store, with the runs ingestion found among them (<see cref="ObservedRun"/>). The spans
    /// arrive linked: their agent and project are set, and a run's root span is among them with
    /// <see cref="SpanRecord.IsRunRoot"/>. The store keeps them and the counters derived from them.
    /// </summary>
    public sealed record AppendSpans(IReadOnlyList<SpanRecord> Spans, IReadOnlyList<ObservedRun>? Runs = null) : TelemetryWrite;

    public sealed record CloseTimedOutRuns(long StartedBeforeUnixNano, long NowUnixNano, string Reason) : TelemetryWrite;
}

/// <summary>
/// A finished agent run seen only in OpenTelemetry: a trace's root span that is an agent invocation.
/// The store creates it only when the trace has no run yet (a retry changes nothing); its LLM calls and
/// tokens are those of the trace's calls already stored plus any that come later, and it counts in the
/// rollups like a run ended through the API.
/// </summary>
public sealed record ObservedRun(RunRecord Run, string AgentName);

public enum WriteOutcomeKind
{
    Done,
    NotFound,
    Conflict,
}

/// <summary>What one write did. <see cref="Count"/> is the number of spans or runs it affected.</summary>
public sealed record WriteOutcome(WriteOutcomeKind Kind, string? Message = null, int Count = 0, RunRecord? Run = null)
{
    public static WriteOutcome Done(int count = 0, RunRecord? run = null) => new(WriteOutcomeKind.Done, null, count, run);
}

/// <summary>
/// Spans, runs and their hourly rollups. Every adapter (SQLite, ClickHouse) passes the same contract
/// tests. Writes arrive in batches from <see cref="TelemetryWriter"/>; a batch is durable when
/// <see cref="WriteBatchAsync"/> returns.
/// </summary>
public interface ITelemetryStore
{
    string Name { get; }

    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>Applies the writes in order in one commit; a write that cannot apply (unknown or ended run) reports it and the others still apply.</summary>
    Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken);

    Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken);

    /// <summary>The runs of those of these traces that are runs, in one read where the store can.</summary>
    async Task<IReadOnlyList<RunRecord>> GetRunsAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken)
    {
        var runs = new List<RunRecord>();
        foreach (var traceId in traceIds)
        {
            if (await GetRunAsync(traceId, cancellationToken) is { } run)
            {
                runs.Add(run);
            }
        }
        return runs;
    }

    Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken);

    Task<PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken);

    /// <summary>From the hourly rollups: hours overlapping [from, to).</summary>
    Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken);

    Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken);

    /// <summary>Every agent's usage over hours overlapping [from, to), from the rollups; agents without usage are absent.</summary>
    Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken);

    /// <summary>LLM token usage per hour and model, for pricing; hours overlapping [from, to).</summary>
    Task<IReadOnlyList<Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken);

    /// <summary>
    /// The LLM calls of these traces per trace, model and hour of the call, for pricing a page of runs
    /// (reported cost is not included). Traces without LLM calls, or unknown, are absent.
    /// </summary>
    Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken);

    /// <summary>
    /// The agent's most frequent errors among spans started in [from, to), grouped by span name and
    /// status message, most frequent first (ties: most recent first).
    /// </summary>
    Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// LLM calls per caller (the span's <c>user.id</c>, '' when none), hour and model, read from the spans
    /// (the rollups are per agent); optionally only a project's.
    /// </summary>
    Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken);

    /// <summary>
    /// One bounded round of retention (see <see cref="PurgeRequest"/>); never holds the write path for
    /// longer than one batch. A read-only store raises <see cref="ReadOnlyTelemetryStoreException"/>.
    /// </summary>
    Task<PurgeOutcome> PurgeAsync(PurgeRequest request, CancellationToken cancellationToken);

    /// <summary>Size, rows per table and the oldest and newest span, for the Storage page and the disk cap.</summary>
    Task<TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken);

    /// <summary>Every row of one of <see cref="Data.Export.TelemetryTables.All"/>, one value per column in its order, for an export.</summary>
    IAsyncEnumerable<object?[]> ExportRowsAsync(Data.Export.TelemetryTable table, CancellationToken cancellationToken);

    /// <summary>
    /// Stores exported rows as they are, the import side of a move between stores: nothing is linked or
    /// rolled up, since the rollups come with the rows. A read-only store raises <see cref="ReadOnlyTelemetryStoreException"/>.
    /// </summary>
    Task ImportRowsAsync(Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>Raises if the store cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
