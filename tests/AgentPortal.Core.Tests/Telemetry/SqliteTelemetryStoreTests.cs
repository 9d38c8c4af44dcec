using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AgentPortal.Core.Tests.Telemetry;

public sealed class SqliteTelemetryStoreTests : TelemetryStoreContractTests
{
    private readonly TempFolder _folder = new();
    private SqliteTelemetryStore? _store;

    protected override Task<ITelemetryStore> CreateStoreAsync()
    {
        _store = new SqliteTelemetryStore(_folder.File("telemetry.db"));
        return Task.FromResult<ITelemetryStore>(_store);
    }

    [Fact]
    public async Task Purge_DeletesAtMostOneBatchPerRound_OldestWrittenFirst()
    {
        var september = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        var runs = new List<RunStart>();
        for (var i = 0; i < 5; i++)
        {
            runs.Add(NewRun("agent-b", september.AddHours(i)));
            await WriteAsync(new TelemetryWrite.StartRun(runs[^1]));
        }
        var request = new PurgeRequest(Nanos(september.AddDays(30)), Nanos(september), BatchSize: 2);

        var first = await Store.PurgeAsync(request, CancellationToken.None);

        Assert.Equal((2L, false), (first.Runs, first.Done));
        Assert.Null(await Store.GetRunAsync(runs[1].TraceId, CancellationToken.None));
        Assert.NotNull(await Store.GetRunAsync(runs[2].TraceId, CancellationToken.None));
        var second = await Store.PurgeAsync(request, CancellationToken.None);
        var third = await Store.PurgeAsync(request, CancellationToken.None);
        Assert.Equal((2L, false, 1L, true), (second.Runs, second.Done, third.Runs, third.Done));
    }

    [Fact]
    public void FailedSpansIndex_IsOnTheStatusThatMarksAFailedSpan() =>
        Assert.Equal(TelemetryDbContext.ErrorSpansFilter, $"status = {(int)SpanStatusCode.Error}");

    [Fact]
    public async Task TopErrors_ReadsTheFailedSpansIndex_NotEverySpan()
    {
        await using var connection = new SqliteConnection($"Data Source={_store!.DatabasePath}");
        await connection.OpenAsync();
        await using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + SqliteTelemetryStore.TopErrorsSql;
        foreach (var name in new[] { "$agent_id", "$from", "$to", "$limit" })
        {
            explain.Parameters.AddWithValue(name, name == "$agent_id" ? "agent-a" : 0);
        }

        var plan = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.Add(reader.GetString(3));
        }

        Assert.Contains(plan, step => step.Contains("USING INDEX idx_spans_agent_errors", StringComparison.Ordinal));
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        _folder.Dispose();
    }
}
