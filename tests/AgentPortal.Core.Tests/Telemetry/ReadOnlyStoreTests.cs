using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.ClickHouse;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Tests.Telemetry;

/// <summary>A read-only store (ClickHouse Collector mode) refuses writes; the refusal is told, not logged as a failure.</summary>
public class ReadOnlyStoreTests
{
    [Fact]
    public async Task Writes_AreRefusedWithWhereSpansGo_AndTheTimeoutJobStopsInsteadOfFailingEveryInterval()
    {
        // Nothing listens on port 9: a write never reaches the network, it is refused first.
        using var store = new CollectorTracesStore(new ClickHouseOptions { Url = "http://127.0.0.1:9", Mode = ClickHouseOptions.CollectorMode });
        var tracing = Options.Create(new TracingOptions { RunTimeoutCheckInterval = TimeSpan.FromMilliseconds(10) });
        var writerLog = new RecordingLogger<TelemetryWriter>();
        var jobLog = new RecordingLogger<RunTimeoutJob>();
        using var writer = new TelemetryWriter(store, tracing, writerLog);
        await writer.StartAsync(CancellationToken.None);
        using var job = new RunTimeoutJob(writer, tracing, TimeProvider.System, jobLog);

        var refused = await Assert.ThrowsAsync<ReadOnlyTelemetryStoreException>(() => writer.WriteAsync(new TelemetryWrite.AppendSpans([])));
        await job.StartAsync(CancellationToken.None);
        await job.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(CollectorTracesStore.ReadOnlyMessage, refused.Message);
        Assert.DoesNotContain(writerLog.Levels.Concat(jobLog.Levels), level => level >= LogLevel.Warning);
        Assert.Equal([LogLevel.Information], jobLog.Levels);
    }

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        private readonly List<LogLevel> _levels = [];

        public IReadOnlyList<LogLevel> Levels
        {
            get
            {
                lock (_levels)
                {
                    return [.. _levels];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_levels)
            {
                _levels.Add(logLevel);
            }
        }
    }
}
