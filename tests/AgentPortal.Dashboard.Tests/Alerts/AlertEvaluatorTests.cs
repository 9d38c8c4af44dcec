using System.Collections.Concurrent;
using System.Text.Json;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Alerts;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentPortal.Dashboard.Tests.Alerts;

/// <summary>
/// Alert rules against the real portal: runs written to its telemetry store, rules evaluated on a clock
/// the test moves, and a loopback webhook receiver that records what it is sent.
/// </summary>
public sealed class AlertEvaluatorTests : IAsyncLifetime
{
    private const string Secret = "webhook-signing-secret";
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<(string Body, IHeaderDictionary Headers)> _received = new();
    private WebApplication _webhook = null!;
    private string _webhookUrl = "";
    private int _failWith;
    private PortalAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        _webhook = LoopbackApp.Create();
        _webhook.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _received.Enqueue((await reader.ReadToEndAsync(), new HeaderDictionary(request.Headers.ToDictionary(h => h.Key, h => h.Value))));
            return _failWith == 0 ? Results.Ok() : Results.StatusCode(_failWith);
        });
        _webhookUrl = await LoopbackApp.StartAsync(_webhook) + "/hook?token=abc";
        _app = new PortalAppFactory()
            .With("Alerts:Enabled", "false")
            .With("Alerts:WebhookRetries", "2")
            .With("Alerts:WebhookRetryDelay", "00:00:00")
            .With("Alerts:DisableWebhookAfterFailures", "2")
            .With("Alerts:PortalUrl", "https://portal.example.com")
            .WithServices(services => services.AddSingleton<TimeProvider>(_clock));
        _ = _app.Server;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await LoopbackApp.StopAsync(_webhook);
    }

    private T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    [Fact]
    public async Task ErrorRate_GoesPendingThenFiring_AfterThePendingTime_ThenResolves_AndTheWebhookIsSignedEachTime()
    {
        var agent = await AgentAsync("checkout-bot");
        var rule = await CreateAsync(new AlertRuleRequest("Checkout failing", AlertScope.Agent, agent.Id, AlertMetric.RunErrorRate, 50,
            MinSamples: 3, PendingMinutes: 5, WebhookUrl: _webhookUrl, WebhookSecret: Secret));

        await RunsAsync(agent, failed: 2, ok: 0);
        await EvaluateAsync();
        var quiet = await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None);
        Assert.Equal(AlertState.Ok, quiet.State);
        Assert.Null(quiet.LastValue);

        await RunsAsync(agent, failed: 1, ok: 1);
        await EvaluateAsync();
        Assert.Equal(AlertState.Pending, (await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None)).State);
        Assert.Empty(_received);

        _clock.Advance(TimeSpan.FromMinutes(5));
        await EvaluateAsync();
        var firing = await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None);
        Assert.Equal(AlertState.Firing, firing.State);
        Assert.Equal(75, firing.LastValue);
        var (body, headers) = Assert.Single(_received);
        using (var json = JsonDocument.Parse(body))
        {
            Assert.Equal("firing", json.RootElement.GetProperty("state").GetString());
            Assert.Equal("Checkout failing", json.RootElement.GetProperty("rule").GetString());
            Assert.Equal(75, json.RootElement.GetProperty("value").GetDouble());
            Assert.Equal($"https://portal.example.com/alerts/{rule.Id}", json.RootElement.GetProperty("url").GetString());
        }
        Assert.Equal(AlertNotifier.Sign(Secret, headers[AlertNotifier.TimestampHeader]!, body), headers[AlertNotifier.SignatureHeader].ToString());

        _clock.Advance(TimeSpan.FromMinutes(1));
        await EvaluateAsync();
        Assert.Single(_received);

        await RunsAsync(agent, failed: 0, ok: 20);
        await EvaluateAsync();
        Assert.Equal(AlertState.Ok, (await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None)).State);
        Assert.Equal(2, _received.Count);
        using (var resolved = JsonDocument.Parse(_received.Last().Body))
        {
            Assert.Equal("resolved", resolved.RootElement.GetProperty("state").GetString());
        }

        var history = await Get<AlertRuleService>().HistoryAsync(rule.Id, 10, CancellationToken.None);
        Assert.Equal([AlertEventKind.Resolved, AlertEventKind.Firing, AlertEventKind.Pending], history.Select(e => e.Kind));
        Assert.Equal([true, true, null], history.Select(e => e.Delivered));
    }

    [Fact]
    public async Task FailingWebhook_IsRetried_ThenTurnedOffAfterRepeatedFailures_AndTheRuleSaysWhy()
    {
        _failWith = 500;
        var agent = await AgentAsync("flaky-flow");
        var rule = await CreateAsync(new AlertRuleRequest("Flaky", AlertScope.Agent, agent.Id, AlertMetric.RunErrorRate, 10, MinSamples: 1, PendingMinutes: 0, WebhookUrl: _webhookUrl));

        await RunsAsync(agent, failed: 1, ok: 0);
        await EvaluateAsync();
        Assert.Equal(3, _received.Count);
        var once = await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None);
        Assert.Equal(1, once.WebhookFailures);
        Assert.Null(once.WebhookDisabledAt);
        Assert.Contains("500", once.WebhookLastError, StringComparison.Ordinal);

        await RunsAsync(agent, failed: 0, ok: 20);
        await EvaluateAsync();
        Assert.Equal(6, _received.Count);
        var off = await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None);
        Assert.NotNull(off.WebhookDisabledAt);
        Assert.False(off.WebhookActive);

        // Off means off: the next firing is in the history and the banner, not sent.
        await RunsAsync(agent, failed: 30, ok: 0);
        await EvaluateAsync();
        Assert.Equal(6, _received.Count);
        Assert.Equal(AlertState.Firing, (await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None)).State);

        _failWith = 0;
        await Get<AlertRuleService>().EnableWebhookAsync(rule.Id, null, AuditActor.System, CancellationToken.None);
        var test = await Get<AlertEvaluator>().TestAsync(rule.Id, CancellationToken.None);
        Assert.True(test.Delivered);
        Assert.Equal(7, _received.Count);
    }

    [Fact]
    public async Task Silence_FiresWhenNoRunStartedForLongerThanTheThreshold_AndResolvesOnTheNextRun()
    {
        var agent = await AgentAsync("nightly-report");
        var rule = await CreateAsync(new AlertRuleRequest("Report stopped", AlertScope.Project, agent.ProjectId, AlertMetric.Silence, 30, PendingMinutes: 0));

        _clock.Advance(TimeSpan.FromMinutes(20));
        await EvaluateAsync();
        Assert.Equal(AlertState.Ok, (await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None)).State);

        _clock.Advance(TimeSpan.FromMinutes(11));
        await EvaluateAsync();
        var silent = await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None);
        Assert.Equal(AlertState.Firing, silent.State);
        Assert.Equal(31, silent.LastValue!.Value, 3);
        await Get<AlertStatus>().RefreshAsync(CancellationToken.None);
        Assert.Equal("Report stopped", Assert.Single(Get<AlertStatus>().Firing).Name);

        await RunsAsync(agent, failed: 0, ok: 1);
        await EvaluateAsync();
        Assert.Equal(AlertState.Ok, (await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None)).State);
    }

    [Fact]
    public async Task MutedRule_StillChangesState_ButSendsNothingUntilTheMuteEnds()
    {
        var agent = await AgentAsync("muted-agent");
        var rule = await CreateAsync(new AlertRuleRequest("Muted", AlertScope.Agent, agent.Id, AlertMetric.TokenUsage, 100, PendingMinutes: 0, WebhookUrl: _webhookUrl, WebhookFormat: WebhookFormat.Slack));
        await Get<AlertRuleService>().MuteAsync(rule.Id, _clock.GetUtcNow().UtcDateTime.AddHours(1), null, AuditActor.System, CancellationToken.None);

        await RunsAsync(agent, failed: 0, ok: 1, tokens: 500);
        await EvaluateAsync();
        Assert.Equal(AlertState.Firing, (await Get<AlertRuleService>().GetAsync(rule.Id, CancellationToken.None)).State);
        Assert.Empty(_received);
        Assert.Null(Assert.Single(await Get<AlertRuleService>().HistoryAsync(rule.Id, 10, CancellationToken.None)).Delivered);
        await Get<AlertStatus>().RefreshAsync(CancellationToken.None);
        Assert.Empty(Get<AlertStatus>().Firing);

        await Get<AlertEvaluator>().TestAsync(rule.Id, CancellationToken.None);
        using var slack = JsonDocument.Parse(Assert.Single(_received).Body);
        Assert.StartsWith(":test_tube: *[TEST] Muted*: 500 tokens", slack.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoReplicas_OnOneDatabase_FireTheAlertOnce_AndTheSecondTakesOverWhenTheLeaseExpires()
    {
        var agent = await AgentAsync("shared-agent");
        var rule = await CreateAsync(new AlertRuleRequest("Shared", AlertScope.Global, null, AlertMetric.RunErrorRate, 10, MinSamples: 1, PendingMinutes: 0, WebhookUrl: _webhookUrl));
        var first = Get<AlertEvaluator>();
        var secondLeases = new PortalLeases(Get<IDbContextFactory<PortalDbContext>>(), _clock);
        var second = ActivatorUtilities.CreateInstance<AlertEvaluator>(_app.Services, secondLeases);

        await RunsAsync(agent, failed: 1, ok: 0);
        await Task.WhenAll(first.TickAsync(CancellationToken.None), second.TickAsync(CancellationToken.None));
        await first.TickAsync(CancellationToken.None);
        await second.TickAsync(CancellationToken.None);

        Assert.Single(_received);
        Assert.Single(await Get<AlertRuleService>().HistoryAsync(rule.Id, 10, CancellationToken.None));
        var lease = await secondLeases.GetAsync(AlertEvaluator.LeaseName, CancellationToken.None);
        Assert.Equal(Get<PortalLeases>().Holder, lease!.Holder);

        // The first replica stops renewing: after three intervals the lease is free for the second.
        _clock.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(1));
        Assert.True(await secondLeases.TryAcquireAsync(AlertEvaluator.LeaseName, TimeSpan.FromMinutes(3), CancellationToken.None));
        Assert.False(await Get<PortalLeases>().TryAcquireAsync(AlertEvaluator.LeaseName, TimeSpan.FromMinutes(3), CancellationToken.None));
    }

    [Fact]
    public async Task BadRules_AreRefusedWithTheFieldToFix_AndOperatorsManageOnlyTheirProjects()
    {
        var service = Get<AlertRuleService>();
        var invalid = await Assert.ThrowsAsync<ValidationFailedException>(() => service.CreateAsync(
            new AlertRuleRequest("", AlertScope.Agent, "no-such-agent", AlertMetric.RunErrorRate, 150, WindowHours: 0, WebhookUrl: "ftp://x"), null, AuditActor.System, CancellationToken.None));
        Assert.Equal(["name", "target", "threshold", "webhook_url", "window_hours"], invalid.Errors.Keys.Order());
        Assert.Empty(await service.ListAsync(CancellationToken.None));

        var global = await Assert.ThrowsAsync<ForbiddenException>(() => service.CreateAsync(
            new AlertRuleRequest("Everything", AlertScope.Global, null, AlertMetric.CostPerDay, 10), ["team-a"], AuditActor.System, CancellationToken.None));
        Assert.Contains("Only Admins", global.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ForbiddenException>(() => service.CreateAsync(
            new AlertRuleRequest("Theirs", AlertScope.Project, "team-b", AlertMetric.CostPerDay, 10), ["team-a"], AuditActor.System, CancellationToken.None));
        var ours = await service.CreateAsync(new AlertRuleRequest("Ours", AlertScope.Project, "team-a", AlertMetric.CostPerDay, 10), ["team-a"], AuditActor.System, CancellationToken.None);
        Assert.Equal("team-a", ours.ProjectId);
        Assert.Equal(24, ours.WindowHours);
        await Assert.ThrowsAsync<ForbiddenException>(() => service.DeleteAsync(ours.Id, ["team-b"], AuditActor.System, CancellationToken.None));
    }

    private async Task<Agent> AgentAsync(string name) =>
        (await Get<IAgentRegistry>().RegisterOrGetAsync(new RegisterAgentRequest { Name = name, Type = AgentType.Custom }, CancellationToken.None)).Agent;

    private Task<AlertRule> CreateAsync(AlertRuleRequest request) => Get<AlertRuleService>().CreateAsync(request, null, AuditActor.System, CancellationToken.None);

    private Task EvaluateAsync() => Get<AlertEvaluator>().EvaluateAsync(CancellationToken.None);

    /// <summary>Runs started a second ago on the test's clock, each with one LLM call of <paramref name="tokens"/> input tokens.</summary>
    private async Task RunsAsync(Agent agent, int failed, int ok, long tokens = 10)
    {
        var store = Get<ITelemetryStore>();
        var started = AgentRunService.ToUnixNano(_clock.GetUtcNow().UtcDateTime.AddSeconds(-1));
        var writes = new List<TelemetryWrite>();
        for (var i = 0; i < failed + ok; i++)
        {
            var run = new RunStart
            {
                TraceId = AgentRunService.NewHexId(16),
                SpanId = AgentRunService.NewHexId(8),
                AgentId = agent.Id,
                AgentName = agent.Name,
                ProjectId = agent.ProjectId,
                StartedUnixNano = started,
            };
            writes.Add(new TelemetryWrite.StartRun(run));
            writes.Add(new TelemetryWrite.AppendSpans([new SpanRecord
            {
                TraceId = run.TraceId,
                SpanId = AgentRunService.NewHexId(8),
                ParentSpanId = run.SpanId,
                AgentId = agent.Id,
                ProjectId = agent.ProjectId,
                Name = "chat",
                StartTimeUnixNano = started,
                DurationNanos = 1_000,
                Operation = "chat",
                RequestModel = "gpt-4o-mini",
                InputTokens = tokens,
                OutputTokens = 0,
            }]));
            writes.Add(new TelemetryWrite.EndRun(new RunEnd { TraceId = run.TraceId, AgentId = agent.Id, EndedUnixNano = started + 500_000_000, Status = i < failed ? RunStatus.Error : RunStatus.Ok }));
        }
        var outcomes = await store.WriteBatchAsync(writes, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(WriteOutcomeKind.Done, o.Kind));
    }
}
