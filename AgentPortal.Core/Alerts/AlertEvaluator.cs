using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Alerts;

/// <summary>A rule's figure at one evaluation: null when there was too little data to judge.</summary>
public sealed record AlertFigure(double? Value, long Samples, string? Note = null);

/// <summary>
/// Evaluates every enabled rule on a schedule (<see cref="AlertOptions.EvaluationInterval"/>, on the
/// injected <see cref="TimeProvider"/>) and moves each through ok → pending → firing → resolved,
/// writing the history and calling the webhooks. Only the replica holding the "alerts" lease
/// evaluates, so several replicas never fire the same alert twice; every replica refreshes
/// <see cref="AlertStatus"/> for its banner and metrics.
/// </summary>
public sealed partial class AlertEvaluator(
    IDbContextFactory<PortalDbContext> contexts,
    ITelemetryStore store,
    IAgentRegistry registry,
    PriceTable prices,
    AlertNotifier notifier,
    PortalLeases leases,
    AlertStatus status,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<AlertEvaluator> logger) : BackgroundService
{
    public const string LeaseName = "alerts";
    private const int MaxAgentsPerProject = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }
        using var timer = new PeriodicTimer(settings.EvaluationInterval, time);
        do
        {
            await TickAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await leases.ReleaseAsync(LeaseName, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReleaseFailed(ex);
        }
    }

    /// <summary>One scheduled round: evaluate when this replica holds the lease, then refresh the status.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await leases.TryAcquireAsync(LeaseName, options.Value.EvaluationInterval * 3, cancellationToken))
            {
                await EvaluateAsync(cancellationToken);
            }
            await status.RefreshAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A store that is down must not stop the schedule; the next round tries again.
            LogRoundFailed(ex);
        }
    }

    /// <summary>Evaluates every enabled rule once, now; returns how many changed state.</summary>
    public async Task<int> EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rules = await db.AlertRules.Where(r => r.Enabled).ToListAsync(cancellationToken);
        if (rules.Count == 0)
        {
            return 0;
        }

        var context = new EvaluationContext(store, registry, prices, now);
        var changed = 0;
        var notices = new List<(AlertRule Rule, AlertEvent Event)>();
        foreach (var rule in rules)
        {
            AlertFigure figure;
            try
            {
                figure = await context.FigureAsync(rule, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFigureFailed(ex, rule.Name);
                continue;
            }

            rule.LastEvaluatedAt = now;
            rule.LastValue = figure.Value;
            var breached = figure.Value is { } value && value > rule.Threshold;
            var next = Transition(rule, breached, now);
            if (next is not { } kind)
            {
                continue;
            }
            changed++;
            var entry = new AlertEvent
            {
                Id = Guid.NewGuid().ToString(),
                RuleId = rule.Id,
                RuleName = rule.Name,
                At = now,
                Kind = kind,
                Value = figure.Value,
                Message = Message(rule, kind, figure),
            };
            db.AlertEvents.Add(entry);
            if (kind is AlertEventKind.Firing or AlertEventKind.Resolved && !rule.IsMuted(now) && rule.WebhookActive)
            {
                notices.Add((rule, entry));
            }
        }
        // State first, notifications after: a crash between the two loses a message, never fires twice.
        await db.SaveChangesAsync(cancellationToken);

        foreach (var (rule, entry) in notices)
        {
            var error = await notifier.SendAsync(new AlertNotice(rule, entry.Kind, entry.Value, now), cancellationToken);
            RecordDelivery(rule, entry, error, now);
        }
        if (notices.Count > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        return changed;
    }

    /// <summary>Sends a test notification to the rule's webhook now and records it in the history.</summary>
    public async Task<AlertEvent> TestAsync(string ruleId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rule = await db.AlertRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken)
            ?? throw new Common.NotFoundException($"There is no alert rule '{ruleId}'.");
        if (string.IsNullOrWhiteSpace(rule.WebhookUrl))
        {
            throw Common.ValidationFailedException.For("webhook_url", "is needed to send a test: give the rule a webhook first.");
        }
        var figure = await new EvaluationContext(store, registry, prices, now).FigureAsync(rule, cancellationToken);
        var entry = new AlertEvent
        {
            Id = Guid.NewGuid().ToString(),
            RuleId = rule.Id,
            RuleName = rule.Name,
            At = now,
            Kind = AlertEventKind.Test,
            Value = figure.Value,
            Message = $"Test notification; the figure now: {(figure.Value is { } v ? AlertMetrics.Format(rule.Metric, v) : figure.Note ?? "no data")}.",
        };
        var error = await notifier.SendAsync(new AlertNotice(rule, AlertEventKind.Test, figure.Value, now), cancellationToken);
        // A test does not count towards turning the webhook off: it is someone checking it by hand.
        entry.Delivered = error is null;
        entry.DeliveryError = error;
        if (error is null && rule.WebhookDisabledAt is null)
        {
            rule.WebhookFailures = 0;
            rule.WebhookLastError = null;
        }
        db.AlertEvents.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        return entry;
    }

    /// <summary>The state machine: returns the history row to write, or null when nothing changed.</summary>
    internal static AlertEventKind? Transition(AlertRule rule, bool breached, DateTime now)
    {
        switch (rule.State, breached)
        {
            case (AlertState.Ok, true) when rule.PendingMinutes == 0:
            case (AlertState.Pending, true) when now - (rule.StateSince ?? now) >= TimeSpan.FromMinutes(rule.PendingMinutes):
                rule.State = AlertState.Firing;
                rule.StateSince = now;
                return AlertEventKind.Firing;
            case (AlertState.Ok, true):
                rule.State = AlertState.Pending;
                rule.StateSince = now;
                return AlertEventKind.Pending;
            case (AlertState.Pending or AlertState.Firing, false):
                rule.State = AlertState.Ok;
                rule.StateSince = now;
                return AlertEventKind.Resolved;
            default:
                return null;
        }
    }

    private void RecordDelivery(AlertRule rule, AlertEvent entry, string? error, DateTime now)
    {
        entry.Delivered = error is null;
        entry.DeliveryError = error;
        if (error is null)
        {
            rule.WebhookFailures = 0;
            rule.WebhookLastError = null;
            return;
        }
        rule.WebhookFailures++;
        rule.WebhookLastError = error;
        if (rule.WebhookFailures >= options.Value.DisableWebhookAfterFailures)
        {
            rule.WebhookDisabledAt = now;
            LogWebhookDisabled(rule.Name, rule.WebhookFailures);
        }
    }

    private static string Message(AlertRule rule, AlertEventKind kind, AlertFigure figure)
    {
        var value = figure.Value is { } v ? AlertMetrics.Format(rule.Metric, v) : figure.Note ?? "no data";
        return kind switch
        {
            AlertEventKind.Pending => $"{value}: {rule.Describe()}; fires if it holds for {rule.PendingMinutes} min.",
            AlertEventKind.Firing => $"{value}: {rule.Describe()}.",
            _ => $"Back to normal: {value}.",
        };
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluating alert rules failed; the next round tries again")]
    private partial void LogRoundFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not compute the figure of alert rule {Rule}")]
    private partial void LogFigureFailed(Exception ex, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook of alert rule {Rule} failed {Failures} deliveries in a row and is turned off until someone turns it back on")]
    private partial void LogWebhookDisabled(string rule, int failures);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not release the alerts lease; it expires by itself")]
    private partial void LogReleaseFailed(Exception ex);

    /// <summary>The reads of one round, shared by its rules: each window's usage and the agents of each project are read once.</summary>
    private sealed class EvaluationContext(ITelemetryStore store, IAgentRegistry registry, PriceTable prices, DateTime now)
    {
        private readonly Dictionary<int, IReadOnlyList<AgentPeriodUsage>> _usage = [];
        private readonly Dictionary<string, HashSet<string>> _projectAgents = new(StringComparer.Ordinal);
        private IReadOnlyList<ModelPrice>? _prices;

        public async Task<AlertFigure> FigureAsync(AlertRule rule, CancellationToken cancellationToken)
        {
            if (rule.Metric == AlertMetric.Silence)
            {
                return await SilenceAsync(rule, cancellationToken);
            }

            var hours = rule.Metric == AlertMetric.CostPerDay ? 24 : rule.WindowHours;
            if (!_usage.TryGetValue(hours, out var usage))
            {
                usage = await store.GetUsageByAgentAsync(now.AddHours(-hours), now, cancellationToken);
                _usage[hours] = usage;
            }
            var inScope = await InScopeAsync(rule, cancellationToken);
            var rows = inScope is null ? usage : [.. usage.Where(u => inScope.Contains(u.AgentId))];

            long runs = rows.Sum(u => u.Runs), llmCalls = rows.Sum(u => u.LlmCalls);
            switch (rule.Metric)
            {
                case AlertMetric.RunErrorRate:
                    return Rate(rule, rows.Sum(u => u.Errors), runs, "runs");
                case AlertMetric.LlmErrorRate:
                    return Rate(rule, rows.Sum(u => u.LlmErrors), llmCalls, "LLM calls");
                case AlertMetric.P95Latency:
                    if (runs < rule.MinSamples)
                    {
                        return new AlertFigure(null, runs, $"{runs} runs, fewer than the {rule.MinSamples} needed");
                    }
                    var merged = rows.SelectMany(u => u.RunDurations).GroupBy(d => d.Bucket).Select(g => (g.Key, g.Sum(d => d.Count)));
                    return new AlertFigure(DurationHistogram.Quantile(merged, 0.95), runs);
                case AlertMetric.CostPerDay:
                    _prices ??= await prices.ListAsync(cancellationToken);
                    var cost = PriceTable.CostOf(_prices, rows.SelectMany(u => u.Models)).Cost;
                    return new AlertFigure((double)(cost ?? 0m), llmCalls);
                case AlertMetric.TokenUsage:
                    return new AlertFigure(rows.Sum(u => u.InputTokens + u.OutputTokens), llmCalls);
                default:
                    return new AlertFigure(null, 0, "unknown metric");
            }
        }

        private static AlertFigure Rate(AlertRule rule, long failed, long total, string what) =>
            total < rule.MinSamples
                ? new AlertFigure(null, total, $"{total} {what}, fewer than the {rule.MinSamples} needed")
                : new AlertFigure(100.0 * failed / total, total);

        /// <summary>The agent ids a rule covers; null for every agent.</summary>
        private async Task<HashSet<string>?> InScopeAsync(AlertRule rule, CancellationToken cancellationToken)
        {
            switch (rule.Scope)
            {
                case AlertScope.Agent:
                    return new HashSet<string>(StringComparer.Ordinal) { rule.Target ?? "" };
                case AlertScope.Project:
                    var project = rule.Target ?? "";
                    if (!_projectAgents.TryGetValue(project, out var ids))
                    {
                        var page = await registry.ListAsync(new ListAgentsRequest { ProjectId = project, PageSize = MaxAgentsPerProject }, cancellationToken);
                        ids = page.Items.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
                        _projectAgents[project] = ids;
                    }
                    return ids;
                default:
                    return null;
            }
        }

        private async Task<AlertFigure> SilenceAsync(AlertRule rule, CancellationToken cancellationToken)
        {
            DateTime? latest = null;
            var agentIds = await InScopeAsync(rule, cancellationToken);
            if (agentIds is null)
            {
                latest = await LatestRunAsync(null, cancellationToken);
            }
            else
            {
                foreach (var agentId in agentIds)
                {
                    if (await LatestRunAsync(agentId, cancellationToken) is { } started && (latest is null || started > latest))
                    {
                        latest = started;
                    }
                }
            }
            // An agent that never ran is silent since the rule was made, not since the epoch.
            var since = latest ?? rule.CreatedAt;
            return new AlertFigure(Math.Max(0, (now - since).TotalMinutes), 1);
        }

        private async Task<DateTime?> LatestRunAsync(string? agentId, CancellationToken cancellationToken)
        {
            var page = await store.ListRunsAsync(new ListRunsRequest { AgentId = agentId, PageSize = 1 }, cancellationToken);
            return page.Items.Count == 0 ? null : DateTime.UnixEpoch.AddTicks(page.Items[0].StartedUnixNano / 100);
        }
    }
}
