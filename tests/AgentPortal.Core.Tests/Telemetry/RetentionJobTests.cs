using AgentPortal.Core.Audit;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Tests.Telemetry;

/// <summary>Retention over the embedded store: by age, by the database cap and by the free-space floor.</summary>
public sealed class RetentionJobTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();
    private SqliteTelemetryStore _store = null!;
    private AuditLog _audit = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteTelemetryStore(_folder.File("telemetry.db"));
        await _store.InitializeAsync(CancellationToken.None);
        _audit = new AuditLog(await RegistryDatabase.CreateAsync(new StorageOptions(), _folder.Path), new FixedTime(s_now));
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Apply_DeletesSpansAndRunsPastTheirAge_AndWritesItToTheAuditLog()
    {
        var old = await RunAsync(s_now.AddDays(-31));
        var kept = await RunAsync(s_now.AddDays(-29));

        var run = await Job(new RetentionOptions { SpanDays = 30, MinFreeDiskMb = 0 }).ApplyAsync(CancellationToken.None);

        Assert.Equal((1L, 1L), (run.Runs, run.Spans));
        Assert.False(run.DiskLimitApplied);
        Assert.Null(await _store.GetRunAsync(old, CancellationToken.None));
        Assert.NotNull(await _store.GetRunAsync(kept, CancellationToken.None));
        var audited = Assert.Single((await _audit.QueryAsync(new AuditQuery(Area: "storage"), CancellationToken.None)).Items);
        Assert.Equal(AuditActions.RetentionApplied, audited.Action);
        Assert.Contains("deleted 1 spans, 1 runs", audited.Detail);
    }

    [Fact]
    public async Task Apply_WithNothingOld_DeletesNothing_AndWritesNoAuditEvent()
    {
        await RunAsync(s_now.AddDays(-1));

        var run = await Job(new RetentionOptions { MinFreeDiskMb = 0 }).ApplyAsync(CancellationToken.None);

        Assert.Equal(0, run.Total);
        Assert.Equal("nothing to delete", run.Method);
        Assert.Empty((await _audit.QueryAsync(new AuditQuery(Area: "storage"), CancellationToken.None)).Items);
    }

    [Fact]
    public async Task Apply_OverTheDatabaseCap_DeletesTheOldestRunsUntilItFits()
    {
        var traces = new List<string>();
        for (var day = 10; day >= 1; day--)
        {
            traces.Add(await RunAsync(s_now.AddDays(-day), input: new string('x', 200_000)));
        }
        Assert.True((await _store.GetStatsAsync(CancellationToken.None)).UsedBytes > 1_900_000);

        var run = await Job(new RetentionOptions { MaxTelemetryDatabaseMb = 1, MinFreeDiskMb = 0 }).ApplyAsync(CancellationToken.None);

        Assert.True(run.DiskLimitApplied);
        Assert.True((await _store.GetStatsAsync(CancellationToken.None)).UsedBytes <= 1024 * 1024);
        Assert.Null(await _store.GetRunAsync(traces[0], CancellationToken.None));
        Assert.NotNull(await _store.GetRunAsync(traces[^1], CancellationToken.None));
    }

    [Fact]
    public async Task Apply_WithTheDiskNearlyFull_DeletesTheOldestUntilTheFreedPagesCoverTheFloor()
    {
        var traces = new List<string>();
        for (var day = 10; day >= 1; day--)
        {
            traces.Add(await RunAsync(s_now.AddDays(-day), input: new string('y', 200_000)));
        }

        // No free space left on the disk: only pages freed inside the database can be written to.
        var run = await Job(new RetentionOptions { MinFreeDiskMb = 1 }, new FixedDisk(0)).ApplyAsync(CancellationToken.None);

        var stats = await _store.GetStatsAsync(CancellationToken.None);
        Assert.True(run.DiskLimitApplied);
        Assert.True(stats.Bytes - stats.UsedBytes >= 1024 * 1024, $"{stats.Bytes - stats.UsedBytes} bytes free inside the database");
        Assert.Null(await _store.GetRunAsync(traces[0], CancellationToken.None));
        Assert.NotNull(await _store.GetRunAsync(traces[^1], CancellationToken.None));
    }

    [Fact]
    public void Options_RejectRollupsKeptShorterThanSpans_AndOutOfRangeValues()
    {
        var result = new ValidateRetentionOptions().Validate(null, new RetentionOptions { SpanDays = 30, RollupDays = 7, BatchSize = 1, MaxTelemetryDatabaseMb = -1 });

        Assert.True(result.Failed);
        Assert.Contains("Retention:RollupDays", result.FailureMessage);
        Assert.Contains("Retention:BatchSize", result.FailureMessage);
        Assert.Contains("Retention:MaxTelemetryDatabaseMb", result.FailureMessage);
        Assert.True(new ValidateRetentionOptions().Validate(null, new RetentionOptions()).Succeeded);
    }

    private RetentionJob Job(RetentionOptions options, DiskSpace? disk = null) => new(
        _store, Options.Create(options), Options.Create(new TelemetryOptions()), new PortalPaths(_folder.Path), disk ?? new FixedDisk(long.MaxValue),
        _audit, new FixedTime(s_now), NullLogger<RetentionJob>.Instance);

    private async Task<string> RunAsync(DateTimeOffset started, string input = "question")
    {
        var run = new RunStart
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            AgentId = "agent-1",
            AgentName = "Agent 1",
            ProjectId = "default-project",
            StartedUnixNano = AgentRunService.ToUnixNano(started.UtcDateTime),
            Input = input,
        };
        await _store.WriteBatchAsync([
            new TelemetryWrite.StartRun(run),
            new TelemetryWrite.EndRun(new RunEnd { TraceId = run.TraceId, AgentId = run.AgentId, EndedUnixNano = run.StartedUnixNano + 1_000_000_000, Status = RunStatus.Ok }),
        ], CancellationToken.None);
        return run.TraceId;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class FixedDisk(long available) : DiskSpace
    {
        public override long AvailableBytes(string folder) => available;
    }
}
