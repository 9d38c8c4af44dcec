using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentPortal.Core.Tests.Monitoring;

public sealed class MonitoringServicesTests : IAsyncLifetime
{
    private static readonly DateTime s_hour = new(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc);
    private readonly TempFolder _folder = new();
    private SqliteTelemetryStore _store = null!;
    private AgentRegistry _registry = null!;
    private PriceTable _prices = null!;

    public async Task InitializeAsync()
    {
        var contexts = await RegistryDatabase.CreateAsync(new StorageOptions(), _folder.Path);
        _registry = new AgentRegistry(contexts, new AgentCache(), TimeProvider.System, NullLogger<AgentRegistry>.Instance);
        _prices = new PriceTable(contexts, TimeProvider.System);
        await _prices.EnsureDefaultsAsync(CancellationToken.None);
        _store = new SqliteTelemetryStore(_folder.File("telemetry.db"));
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Overview_ListsEveryAgent_WithUsageCostAndTotalsAgainstThePreviousPeriod()
    {
        var busy = (await _registry.RegisterOrGetAsync(new RegisterAgentRequest { Name = "busy", Type = AgentType.Vanna }, CancellationToken.None)).Agent;
        var idle = (await _registry.RegisterOrGetAsync(new RegisterAgentRequest { Name = "idle", Type = AgentType.Flowise }, CancellationToken.None)).Agent;
        await RunAsync(busy.Id, s_hour.AddMinutes(5), RunStatus.Ok, tokens: 1_000_000);
        await RunAsync(busy.Id, s_hour.AddMinutes(6), RunStatus.Error, tokens: 0);
        await RunAsync(busy.Id, s_hour.AddMinutes(-30), RunStatus.Ok, tokens: 0);

        var overview = await new UsageOverviewService(_registry, _store, _prices).GetAsync(s_hour, s_hour.AddHours(1), CancellationToken.None);

        Assert.Equal(["busy", "idle"], overview.Agents.Select(a => a.Name));
        var line = overview.Agents[0];
        Assert.Equal(2, line.Runs);
        Assert.Equal(1, line.Errors);
        Assert.Equal(1, line.LlmCalls);
        Assert.Equal(0.15m, line.Cost);
        Assert.Equal(0, overview.Agents.Single(a => a.AgentId == idle.Id).Runs);
        Assert.Null(overview.Agents.Single(a => a.AgentId == idle.Id).Cost);
        Assert.Equal(2, overview.Current.Runs);
        Assert.Equal(0.5, overview.Current.ErrorRate);
        Assert.Equal(1, overview.Previous.Runs);
        Assert.Equal("gpt-4o-mini", Assert.Single(overview.Models).Model);
    }

    [Fact]
    public async Task Hourly_FillsHoursWithoutActivityWithZeros()
    {
        var agent = (await _registry.RegisterOrGetAsync(new RegisterAgentRequest { Name = "hourly", Type = AgentType.Custom }, CancellationToken.None)).Agent;
        await RunAsync(agent.Id, s_hour.AddMinutes(30), RunStatus.Ok, tokens: 10);
        await RunAsync(agent.Id, s_hour.AddHours(2).AddMinutes(1), RunStatus.Error, tokens: 0);

        var points = await new AgentActivityService(_registry, _store, _prices).GetHourlyAsync(agent.Id, s_hour, s_hour.AddHours(3), CancellationToken.None);

        Assert.Equal([s_hour, s_hour.AddHours(1), s_hour.AddHours(2)], points.Select(p => p.Hour));
        Assert.Equal([1L, 0L, 1L], points.Select(p => p.Runs));
        Assert.Equal([0L, 0L, 1L], points.Select(p => p.Errors));
        Assert.Null(points[1].P50Milliseconds);
        Assert.Equal(10, points[0].Tokens);
        Assert.Equal(0.0000015m, points[0].Cost);
        Assert.Null(points[1].Cost);
        Assert.Null(points[2].Cost);
    }

    private async Task RunAsync(string agentId, DateTime started, RunStatus status, long tokens)
    {
        var run = new RunStart
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            AgentId = agentId,
            AgentName = agentId,
            ProjectId = Agent.DefaultProject,
            StartedUnixNano = AgentRunService.ToUnixNano(started),
        };
        var writes = new List<TelemetryWrite> { new TelemetryWrite.StartRun(run) };
        if (tokens > 0)
        {
            writes.Add(new TelemetryWrite.AppendSpans(
            [
                new SpanRecord
                {
                    TraceId = run.TraceId,
                    SpanId = AgentRunService.NewHexId(8),
                    ParentSpanId = run.SpanId,
                    AgentId = agentId,
                    ProjectId = Agent.DefaultProject,
                    Name = "chat",
                    StartTimeUnixNano = run.StartedUnixNano,
                    DurationNanos = 1,
                    Operation = "chat",
                    RequestModel = "gpt-4o-mini",
                    InputTokens = tokens,
                    OutputTokens = 0,
                },
            ]));
        }
        writes.Add(new TelemetryWrite.EndRun(new RunEnd { TraceId = run.TraceId, AgentId = agentId, EndedUnixNano = run.StartedUnixNano + 100_000_000, Status = status }));
        var outcomes = await _store.WriteBatchAsync(writes, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(WriteOutcomeKind.Done, o.Kind));
    }
}
