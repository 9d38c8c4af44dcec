using System.Security.Cryptography;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;

namespace AgentPortal.Core.Telemetry;

public sealed class StartRunRequest
{
    /// <summary>Caller-supplied trace id (32 hex characters); one is made when absent.</summary>
    public string? TraceId { get; init; }

    public string? Input { get; init; }

    /// <summary>A JSON object.</summary>
    public string? Metadata { get; init; }
}

public sealed record StartedRun(string TraceId, string SpanId, DateTime StartedAt, bool Stored);

public sealed class EndRunRequest
{
    public required string TraceId { get; init; }

    public RunStatus Status { get; init; } = RunStatus.Ok;

    public string? Output { get; init; }

    public string? Error { get; init; }
}

public sealed record EndedRun(string TraceId, RunStatus Status, DateTime EndedAt, double? DurationMilliseconds, bool Stored);

/// <summary>
/// Agent runs over any transport: start and end validate the agent and go through the
/// <see cref="TelemetryWriter"/>, so a successful answer means the write is committed.
/// </summary>
public sealed class AgentRunService(IAgentRegistry registry, TelemetryWriter writer, Otlp.SpanForwarder forwarder, PortalMetrics metrics, TimeProvider time)
{
    public async Task<StartedRun> StartAsync(string agentId, StartRunRequest request, CancellationToken cancellationToken)
    {
        var agent = await registry.GetAsync(agentId, cancellationToken)
            ?? throw new NotFoundException($"No agent has the id '{agentId}'. Register it with POST /agents/register.");
        if (agent.Status == AgentStatus.Inactive)
        {
            throw new ConflictException($"The agent '{agent.Name}' is inactive, so it cannot start runs. Reactivate it with PATCH /agents/{agent.Id} {{\"status\": \"active\"}}.");
        }

        var traceId = request.TraceId ?? NewHexId(16);
        var spanId = NewHexId(8);
        var now = time.GetUtcNow().UtcDateTime;
        if (!agent.MonitoringEnabled)
        {
            // Callers never break when monitoring is off: they get ids, and nothing is stored.
            return new StartedRun(traceId, spanId, now, Stored: false);
        }

        var outcome = await writer.WriteAsync(new TelemetryWrite.StartRun(new RunStart
        {
            TraceId = traceId,
            SpanId = spanId,
            AgentId = agent.Id,
            ProjectId = agent.ProjectId,
            AgentName = agent.Name,
            StartedUnixNano = ToUnixNano(now),
            Input = RunSpans.Preview(request.Input),
            Metadata = request.Metadata,
        }), cancellationToken);
        ThrowIfFailed(outcome);
        await registry.TouchAsync(agent.Id, now, cancellationToken);
        return new StartedRun(traceId, spanId, now, Stored: true);
    }

    public async Task<EndedRun> EndAsync(string agentId, EndRunRequest request, CancellationToken cancellationToken)
    {
        var agent = await registry.GetAsync(agentId, cancellationToken)
            ?? throw new NotFoundException($"No agent has the id '{agentId}'.");
        var now = time.GetUtcNow().UtcDateTime;
        if (!agent.MonitoringEnabled)
        {
            return new EndedRun(request.TraceId, request.Status, now, null, Stored: false);
        }

        var outcome = await writer.WriteAsync(new TelemetryWrite.EndRun(new RunEnd
        {
            TraceId = request.TraceId,
            AgentId = agent.Id,
            EndedUnixNano = ToUnixNano(now),
            Status = request.Status,
            Output = request.Output,
            Error = request.Error,
        }), cancellationToken);
        ThrowIfFailed(outcome);
        var run = outcome.Run!;
        metrics.RunEnded(agent.Type.ToWire(), run.Status, run.DurationNanos ?? 0);
        if (forwarder.Enabled)
        {
            forwarder.TryForward(RunSpans.RootSpan(run, agent.Name, run.EndedUnixNano!.Value, run.Status, run.Error));
        }
        return new EndedRun(run.TraceId, run.Status, now, run.DurationNanos / 1_000_000.0, Stored: true);
    }

    internal static void ThrowIfFailed(WriteOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case WriteOutcomeKind.NotFound:
                throw new NotFoundException(outcome.Message!);
            case WriteOutcomeKind.Conflict:
                throw new ConflictException(outcome.Message!);
        }
    }

    public static string NewHexId(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    public static long ToUnixNano(DateTime utc) => (utc - DateTime.UnixEpoch).Ticks * 100;

    public static DateTime FromUnixNano(long unixNano) => DateTime.UnixEpoch.AddTicks(unixNano / 100);

    /// <summary>Trace ids are 32 and span ids 16 lower-case hex characters, not all zero.</summary>
    public static bool IsHexId(string? value, int length) =>
        value is not null && value.Length == length && value.All(char.IsAsciiHexDigitLower) && value.Any(c => c != '0');
}
