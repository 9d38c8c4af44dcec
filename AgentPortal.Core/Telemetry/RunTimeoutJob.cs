using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Telemetry;

/// <summary>Closes runs that were started but never ended as errors ("timed out") after Tracing:RunTimeout.</summary>
public sealed partial class RunTimeoutJob(TelemetryWriter writer, IOptions<TracingOptions> options, TimeProvider time, ILogger<RunTimeoutJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RunTimeoutCheckInterval, time);
        do
        {
            try
            {
                await CloseTimedOutRunsAsync(stoppingToken);
            }
            catch (ReadOnlyTelemetryStoreException)
            {
                // Collector mode: the portal keeps no runs of its own, so there are none to close.
                LogReadOnly();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<int> CloseTimedOutRunsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var timeout = options.Value.RunTimeout;
        var outcome = await writer.WriteAsync(new TelemetryWrite.CloseTimedOutRuns(
            AgentRunService.ToUnixNano(now - timeout),
            AgentRunService.ToUnixNano(now),
            $"timed out: not ended within {timeout}"), cancellationToken);
        if (outcome.Count > 0)
        {
            LogClosed(outcome.Count, timeout);
        }
        return outcome.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed {Count} runs as timed out after {Timeout} without an end")]
    private partial void LogClosed(int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "The telemetry store only reads; no runs are closed as timed out here")]
    private partial void LogReadOnly();

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing timed-out runs failed; will try again at the next interval")]
    private partial void LogFailed(Exception exception);
}
