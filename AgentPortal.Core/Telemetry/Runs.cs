namespace AgentPortal.Core.Telemetry;

public enum RunStatus
{
    Running,
    Ok,
    Error,
}

public static class RunStatuses
{
    public const string Allowed = "running, ok, error";

    public static string ToWire(this RunStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Parses the lower-case wire name only ("ok", not "Ok" or "1").</summary>
    public static bool TryParse(string? text, out RunStatus status)
    {
        foreach (var candidate in Enum.GetValues<RunStatus>())
        {
            if (string.Equals(candidate.ToWire(), text, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }

    public static RunStatus? ParseOrNull(string? text) => TryParse(text, out var status) ? status : null;
}

/// <summary>An agent run: a trace whose root span was opened by trace start, with what happened inside it.</summary>
public sealed class RunRecord
{
    public required string TraceId { get; init; }

    public required string SpanId { get; init; }

    public required string AgentId { get; init; }

    public required string ProjectId { get; init; }

    public long StartedUnixNano { get; init; }

    public long? EndedUnixNano { get; init; }

    public RunStatus Status { get; init; }

    public string? Error { get; init; }

    public string? Input { get; init; }

    public string? Output { get; init; }

    /// <summary>JSON object given at start.</summary>
    public string? Metadata { get; init; }

    public long LlmCalls { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public long? DurationNanos => EndedUnixNano - StartedUnixNano;
}

public sealed class RunStart
{
    public required string TraceId { get; init; }

    public required string SpanId { get; init; }

    public required string AgentId { get; init; }

    public required string ProjectId { get; init; }

    public required string AgentName { get; init; }

    public long StartedUnixNano { get; init; }

    public string? Input { get; init; }

    public string? Metadata { get; init; }
}

public sealed class RunEnd
{
    public required string TraceId { get; init; }

    /// <summary>The run must belong to this agent.</summary>
    public required string AgentId { get; init; }

    public long EndedUnixNano { get; init; }

    public RunStatus Status { get; init; }

    public string? Output { get; init; }

    public string? Error { get; init; }
}

public sealed class ListRunsRequest
{
    public string? AgentId { get; init; }

    public DateTime? From { get; init; }

    public DateTime? To { get; init; }

    public RunStatus? Status { get; init; }

    /// <summary>Matched against input, output and error text.</summary>
    public string? Text { get; init; }

    /// <summary>Runs with at least one span that requested or was answered by this model (exact name).</summary>
    public string? Model { get; init; }

    /// <summary>Runs whose agent name or any span name contains this text (case-insensitive).</summary>
    public string? SpanName { get; init; }

    /// <summary>Runs with a span in this conversation or session (<see cref="GenAiAttributes.SessionIds"/>, exact), or started with it as metadata.session_id.</summary>
    public string? Session { get; init; }

    /// <summary>Runs with a span made for this user (<see cref="GenAiAttributes.UserIds"/>, exact), or started with it as metadata.user_id.</summary>
    public string? User { get; init; }

    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = 50;
}

/// <summary>One run's LLM usage of one model in one hour (the hour picks the price in force).</summary>
public sealed record RunModelUsage(string TraceId, Pricing.ModelUsage Usage);

/// <summary>Usage of one agent over a time range, read from the hourly rollups.</summary>
public sealed record AgentUsage(
    string AgentId,
    long Runs,
    long LlmCalls,
    long Errors,
    long InputTokens,
    long OutputTokens,
    double? P50Milliseconds,
    double? P95Milliseconds,
    long LlmErrors = 0)
{
    public double ErrorRate => Runs == 0 ? 0 : (double)Errors / Runs;

    /// <summary>Failed LLM calls of all LLM calls: an agent whose runs are fine can still have calls that fail (and are retried).</summary>
    public double LlmErrorRate => LlmCalls == 0 ? 0 : (double)LlmErrors / LlmCalls;
}

public sealed record HourlyUsage(DateTime Hour, long Runs, long Errors, long LlmCalls, long InputTokens, long OutputTokens, double? P50Milliseconds, double? P95Milliseconds);

/// <summary>One caller's LLM calls of one model in one hour.</summary>
public sealed record UserModelUsage(string User, Pricing.ModelUsage Usage);

/// <summary>One agent's usage over a period, with what percentiles and costs are computed from.</summary>
public sealed record AgentPeriodUsage(
    string AgentId,
    long Runs,
    long Errors,
    long LlmCalls,
    long InputTokens,
    long OutputTokens,
    IReadOnlyList<(int Bucket, long Count)> RunDurations,
    IReadOnlyList<Pricing.ModelUsage> Models,
    long LlmErrors = 0);

/// <summary>
/// Failed spans with the same name and status message: a failed run shows as its root span
/// ("invoke_agent name", <see cref="IsRunRoot"/>), a failed LLM call or tool as its own span.
/// <see cref="LatestTraceId"/> is the trace of the most recent occurrence.
/// </summary>
public sealed record ErrorGroup(string SpanName, string Message, bool IsRunRoot, long Count, long LastSeenUnixNano, string LatestTraceId)
{
    /// <summary>An empty message is shown as this rather than as a blank row.</summary>
    public const string NoMessage = "(no message)";

    public static ErrorGroup Of(string spanName, string? message, bool isRunRoot, long count, long lastSeenUnixNano, string latestTraceId) =>
        new(spanName, string.IsNullOrEmpty(message) ? NoMessage : message, isRunRoot, count, lastSeenUnixNano, latestTraceId);
}
