namespace AgentPortal.Core.Telemetry;

/// <summary>Builds the root span of an agent run, the same way for every store.</summary>
public static class RunSpans
{
    public const string InputAttribute = "agentportal.run.input";
    public const string OutputAttribute = "agentportal.run.output";

    /// <summary>Stored previews of run input and output are capped; the full text belongs in the caller's own logs.</summary>
    public const int MaxPreviewLength = 4_000;

    public static SpanRecord RootSpan(RunRecord run, string agentName, long endedUnixNano, RunStatus status, string? error)
    {
        var attributes = new List<KeyValuePair<string, string>>
        {
            new("gen_ai.operation.name", "invoke_agent"),
            new("gen_ai.agent.id", run.AgentId),
            new("gen_ai.agent.name", agentName),
            new("agentportal.project_id", run.ProjectId),
        };
        if (run.Input is not null)
        {
            attributes.Add(new(InputAttribute, run.Input));
        }
        if (run.Output is not null)
        {
            attributes.Add(new(OutputAttribute, run.Output));
        }
        if (error is not null)
        {
            attributes.Add(new("error.type", error));
        }
        return new SpanRecord
        {
            TraceId = run.TraceId,
            SpanId = run.SpanId,
            Name = $"invoke_agent {agentName}",
            Kind = SpanKindCode.Internal,
            ServiceName = "agentportal",
            AgentId = run.AgentId,
            ProjectId = run.ProjectId,
            StartTimeUnixNano = run.StartedUnixNano,
            DurationNanos = Math.Max(0, endedUnixNano - run.StartedUnixNano),
            Status = status == RunStatus.Error ? SpanStatusCode.Error : SpanStatusCode.Ok,
            StatusMessage = error,
            Operation = "invoke_agent",
            IsRunRoot = true,
            Attributes = attributes,
        };
    }

    public static string? Preview(string? text) =>
        text is null || text.Length <= MaxPreviewLength ? text : text[..MaxPreviewLength];

    public static long HourOf(long unixNano) => unixNano / 1_000_000_000 / 3600 * 3600;

    /// <summary>
    /// <see cref="SpanRecord.IsLlmCall"/> over the native stores' span columns, for SQLite and ClickHouse
    /// alike. Built from constants only.
    /// </summary>
    public static string IsLlmCallSql { get; } =
        $"is_run_root = 0 AND (operation IN ({string.Join(", ", SpanRecord.LlmOperations.Select(o => $"'{o}'"))}) OR (operation IS NULL AND coalesce(response_model, request_model) IS NOT NULL))";

    /// <summary><see cref="SpanRecord.Model"/> over the native stores' span columns ('' when neither is known).</summary>
    public const string ModelSql = "coalesce(response_model, request_model, '')";

    /// <summary>
    /// The rollup hours a usage query covers, as unix seconds: from the start of the hour holding
    /// <paramref name="from"/> up to <paramref name="to"/>, so hours overlapping the range count whole.
    /// </summary>
    public static (long FromHour, long To) RollupRange(DateTime from, DateTime to)
    {
        var fromSeconds = (long)(from.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
        var toSeconds = (long)(to.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds;
        return (fromSeconds / 3600 * 3600, toSeconds);
    }
}
