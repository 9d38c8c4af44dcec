using AgentPortal.Core.Audit;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Telemetry.Retention;

/// <summary>What one retention pass did; <see cref="Error"/> is set when it failed part-way (what it deleted before stays deleted).</summary>
public sealed record RetentionRun(DateTimeOffset At, long Spans, long Runs, long RollupRows, string Method, bool DiskLimitApplied, string? Error = null)
{
    public long Total => Spans + Runs + RollupRows;
}

/// <summary>Free space on the disk that holds a folder; a class so tests can stand in a nearly full disk.</summary>
public class DiskSpace
{
    /// <summary>Bytes free to this process on the filesystem mounted deepest above <paramref name="folder"/>.</summary>
    public virtual long AvailableBytes(string folder)
    {
        var full = Path.GetFullPath(folder);
        var drive = DriveInfo.GetDrives()
            .Where(d => d.IsReady && full.StartsWith(d.RootDirectory.FullName, StringComparison.Ordinal))
            .MaxBy(d => d.RootDirectory.FullName.Length);
        return drive?.AvailableFreeSpace ?? long.MaxValue;
    }
}

/// <summary>
/// Deletes telemetry past its age (<see cref="RetentionOptions.SpanDays"/>, <see cref="RetentionOptions.RollupDays"/>)
/// every <see cref="RetentionOptions.Interval"/>, in rounds of <see cref="RetentionOptions.BatchSize"/> rows so
/// ingestion is never held for long; then, for the embedded store, deletes the oldest spans and runs
/// while the database is over its cap or the disk is short of free space. Every pass that deletes
/// something is written to the audit log.
/// </summary>
public sealed partial class RetentionJob(
    ITelemetryStore store,
    IOptions<RetentionOptions> options,
    IOptions<TelemetryOptions> telemetry,
    PortalPaths paths,
    DiskSpace disk,
    AuditLog audit,
    TimeProvider time,
    ILogger<RetentionJob> logger) : BackgroundService
{
    private const int MaxRounds = 100_000;
    private static readonly TimeSpan s_firstPassDelay = TimeSpan.FromMinutes(1);
    private const int MaxDiskLimitSteps = 50;
    private const long Mebibyte = 1024 * 1024;

    /// <summary>The last pass, for the Storage page; null until the first one has run.</summary>
    public RetentionRun? LastRun { get; private set; }

    /// <summary>Set when the store's retention belongs to something else (Collector mode).</summary>
    public string? ManagedElsewhere { get; private set; }

    public bool IsEmbedded => telemetry.Value.ProviderKind == TelemetryProvider.Sqlite;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }
        // The first pass waits a minute, so start-up (migrations, the first requests) has the stores to itself.
        await Task.Delay(options.Value.Interval < s_firstPassDelay ? options.Value.Interval : s_firstPassDelay, time, stoppingToken);
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                await ApplyAsync(stoppingToken);
            }
            catch (ReadOnlyTelemetryStoreException ex)
            {
                ManagedElsewhere = ex.Message;
                LogManagedElsewhere(ex.Message);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task<RetentionRun> ApplyAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var rollupCut = AgentRunService.ToUnixNano(now.UtcDateTime.AddDays(-settings.RollupDays));
        long spans = 0, runs = 0, rollups = 0;
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        var diskLimit = false;
        string? error = null;

        async Task PurgeUntilDoneAsync(long spanCut)
        {
            for (var round = 0; round < MaxRounds; round++)
            {
                var outcome = await store.PurgeAsync(new PurgeRequest(spanCut, rollupCut, settings.BatchSize), cancellationToken);
                spans += outcome.Spans;
                runs += outcome.Runs;
                rollups += outcome.RollupRows;
                if (outcome.Total > 0)
                {
                    methods.Add(outcome.Method);
                }
                if (outcome.Done)
                {
                    return;
                }
                // Let queued ingestion batches take the writer between rounds.
                await Task.Yield();
            }
        }

        try
        {
            await PurgeUntilDoneAsync(AgentRunService.ToUnixNano(now.UtcDateTime.AddDays(-settings.SpanDays)));
            // Counting the store's rows is a scan: only done when a limit may be reached. With no cap,
            // a disk with at least the floor free needs none (freed pages only add to that).
            var mayBeOver = settings.MaxTelemetryDatabaseMb > 0
                || (settings.MinFreeDiskMb > 0 && disk.AvailableBytes(paths.DataDirectory) < settings.MinFreeDiskMb * Mebibyte);
            if (IsEmbedded && mayBeOver)
            {
                for (var step = 0; step < MaxDiskLimitSteps; step++)
                {
                    var stats = await store.GetStatsAsync(cancellationToken);
                    var over = BytesOverLimit(stats, settings);
                    if (over <= 0 || stats.OldestSpan is not { } oldest || stats.NewestSpan is not { } newest)
                    {
                        break;
                    }
                    // Spans arrive about evenly over time, so deleting the same share of the time range as
                    // the share of bytes to free (plus a margin) frees about enough in one step.
                    var share = Math.Min(1.0, (double)over / Math.Max(1, stats.UsedBytes) + 0.05);
                    var cut = oldest + TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMinute, (long)((newest - oldest).Ticks * share)));
                    LogDiskLimit(over / Mebibyte, cut);
                    diskLimit = true;
                    await PurgeUntilDoneAsync(AgentRunService.ToUnixNano(cut));
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ReadOnlyTelemetryStoreException)
        {
            error = ex.Message;
            LogFailed(ex);
        }

        var run = new RetentionRun(now, spans, runs, rollups, methods.Count == 0 ? "nothing to delete" : string.Join(", ", methods), diskLimit, error);
        LastRun = run;
        if (run.Total > 0)
        {
            LogDeleted(spans, runs, rollups, run.Method);
            await audit.RecordAsync(AuditActor.System, AuditActions.RetentionApplied, store.Name,
                $"deleted {spans} spans, {runs} runs and {rollups} rollup rows ({run.Method}){(diskLimit ? " to keep within the disk limits" : "")}",
                succeeded: error is null, cancellationToken: CancellationToken.None);
        }
        return run;
    }

    /// <summary>
    /// Bytes to free: above the cap, or missing from the free-space floor. Pages SQLite freed by
    /// earlier deletes count as free, since new rows reuse them before the file grows.
    /// </summary>
    private long BytesOverLimit(TelemetryStoreStats stats, RetentionOptions settings)
    {
        long over = 0;
        if (settings.MaxTelemetryDatabaseMb > 0)
        {
            over = Math.Max(over, stats.UsedBytes - settings.MaxTelemetryDatabaseMb * Mebibyte);
        }
        if (settings.MinFreeDiskMb > 0)
        {
            var free = disk.AvailableBytes(paths.DataDirectory);
            if (free != long.MaxValue)
            {
                over = Math.Max(over, settings.MinFreeDiskMb * Mebibyte - (free + Math.Max(0, stats.Bytes - stats.UsedBytes)));
            }
        }
        return over;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Spans} spans, {Runs} runs and {Rollups} rollup rows ({Method})")]
    private partial void LogDeleted(long spans, long runs, long rollups, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The telemetry store is {OverMb} MiB over its disk limits; deleting spans and runs older than {Cutoff:u}")]
    private partial void LogDiskLimit(long overMb, DateTime cutoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "No retention here: {Reason}")]
    private partial void LogManagedElsewhere(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention failed; will try again at the next interval")]
    private partial void LogFailed(Exception exception);
}
