using AgentPortal.Core.Agents;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Alerts;

/// <summary>A rule as a person or the API asks for it; the state fields are the evaluator's.</summary>
public sealed record AlertRuleRequest(
    string Name,
    AlertScope Scope,
    string? Target,
    AlertMetric Metric,
    double Threshold,
    int WindowHours = 1,
    int MinSamples = 20,
    int PendingMinutes = 5,
    string? WebhookUrl = null,
    WebhookFormat WebhookFormat = WebhookFormat.Generic,
    string? WebhookSecret = null,
    bool Enabled = true);

/// <summary>
/// Creates, edits, mutes and deletes alert rules, and reads their history. Who may manage a rule is
/// decided here on every change: Admins (no <c>managedProjects</c>) manage all rules, Operators only
/// the rules of their projects, never a global one.
/// </summary>
public sealed class AlertRuleService(IDbContextFactory<PortalDbContext> contexts, IAgentRegistry agents, AuditLog audit, TimeProvider time)
{
    public const int MaxWindowHours = 168;
    public const int MaxPendingMinutes = 24 * 60;

    /// <summary>Raised after any change to a rule, so the banner and the metrics refresh at once.</summary>
    public event Action? Changed;

    public async Task<IReadOnlyList<AlertRule>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rules = await db.AlertRules.AsNoTracking().ToListAsync(cancellationToken);
        return [.. rules.OrderByDescending(r => r.State).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase)];
    }

    public async Task<AlertRule> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.AlertRules.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken)
            ?? throw new NotFoundException($"There is no alert rule '{id}'.");
    }

    public async Task<AlertRule> CreateAsync(AlertRuleRequest request, IReadOnlyCollection<string>? managedProjects, AuditActor actor, CancellationToken cancellationToken)
    {
        var projectId = await ValidateAsync(request, cancellationToken);
        RequireManaged(projectId, managedProjects);
        var now = time.GetUtcNow().UtcDateTime;
        var rule = new AlertRule { Id = Guid.NewGuid().ToString(), Name = request.Name.Trim(), CreatedAt = now, CreatedBy = actor.Name };
        Apply(rule, request, projectId, now);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.AlertRules.Add(rule);
            await db.SaveChangesAsync(cancellationToken);
        }
        await audit.RecordAsync(actor, AuditActions.AlertRuleCreated, rule.Name, rule.Describe(), cancellationToken: cancellationToken);
        Changed?.Invoke();
        return rule;
    }

    public async Task<AlertRule> UpdateAsync(string id, AlertRuleRequest request, IReadOnlyCollection<string>? managedProjects, AuditActor actor, CancellationToken cancellationToken)
    {
        var projectId = await ValidateAsync(request, cancellationToken);
        var rule = await ChangeAsync(id, managedProjects, rule =>
        {
            RequireManaged(projectId, managedProjects);
            var conditionChanged = rule.Metric != request.Metric || rule.Scope != request.Scope || rule.Target != request.Target?.Trim();
            var webhookChanged = rule.WebhookUrl != Blank(request.WebhookUrl);
            Apply(rule, request, projectId, time.GetUtcNow().UtcDateTime);
            if (conditionChanged || !request.Enabled)
            {
                // A new condition starts from scratch; what fired under the old one is in the history.
                rule.State = AlertState.Ok;
                rule.StateSince = null;
                rule.LastValue = null;
            }
            if (webhookChanged)
            {
                rule.WebhookFailures = 0;
                rule.WebhookDisabledAt = null;
                rule.WebhookLastError = null;
            }
        }, cancellationToken);
        await audit.RecordAsync(actor, AuditActions.AlertRuleUpdated, rule.Name, rule.Describe(), cancellationToken: cancellationToken);
        return rule;
    }

    /// <summary>Mutes notifications until <paramref name="until"/>; null unmutes.</summary>
    public async Task<AlertRule> MuteAsync(string id, DateTime? until, IReadOnlyCollection<string>? managedProjects, AuditActor actor, CancellationToken cancellationToken)
    {
        if (until is { } end && end <= time.GetUtcNow().UtcDateTime)
        {
            throw ValidationFailedException.For("muted_until", "must be in the future.");
        }
        var rule = await ChangeAsync(id, managedProjects, rule => rule.MutedUntil = until?.ToUniversalTime(), cancellationToken);
        await audit.RecordAsync(actor, until is null ? AuditActions.AlertRuleUnmuted : AuditActions.AlertRuleMuted, rule.Name,
            until is null ? null : $"until {until:u}", cancellationToken: cancellationToken);
        return rule;
    }

    /// <summary>Turns a webhook that was switched off after failing deliveries back on.</summary>
    public async Task<AlertRule> EnableWebhookAsync(string id, IReadOnlyCollection<string>? managedProjects, AuditActor actor, CancellationToken cancellationToken)
    {
        var rule = await ChangeAsync(id, managedProjects, rule =>
        {
            rule.WebhookDisabledAt = null;
            rule.WebhookFailures = 0;
        }, cancellationToken);
        await audit.RecordAsync(actor, AuditActions.AlertRuleUpdated, rule.Name, "webhook turned back on", cancellationToken: cancellationToken);
        return rule;
    }

    public async Task DeleteAsync(string id, IReadOnlyCollection<string>? managedProjects, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rule = await db.AlertRules.FirstOrDefaultAsync(r => r.Id == id, cancellationToken) ?? throw new NotFoundException($"There is no alert rule '{id}'.");
        RequireManaged(rule.ProjectId, managedProjects);
        db.AlertRules.Remove(rule);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(actor, AuditActions.AlertRuleDeleted, rule.Name, rule.Describe(), cancellationToken: cancellationToken);
        Changed?.Invoke();
    }

    /// <summary>The newest history rows, of one rule or of all.</summary>
    public async Task<IReadOnlyList<AlertEvent>> HistoryAsync(string? ruleId, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<AlertEvent> events = db.AlertEvents.AsNoTracking();
        if (ruleId is not null)
        {
            events = events.Where(e => e.RuleId == ruleId);
        }
        return await events.OrderByDescending(e => e.At).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(cancellationToken);
    }

    public static void RequireManaged(string? projectId, IReadOnlyCollection<string>? managedProjects)
    {
        if (managedProjects is null)
        {
            return;
        }
        if (projectId is null)
        {
            throw new ForbiddenException("Only Admins manage global alert rules; give the rule a project or an agent of yours.");
        }
        if (!managedProjects.Contains(projectId))
        {
            throw new ForbiddenException(managedProjects.Count == 0
                ? "You manage no projects yet: ask an Admin to add your projects on the People page."
                : $"You manage the alert rules of {string.Join(", ", managedProjects)} only, not of '{projectId}'.");
        }
    }

    internal void RaiseChanged() => Changed?.Invoke();

    private async Task<AlertRule> ChangeAsync(string id, IReadOnlyCollection<string>? managedProjects, Action<AlertRule> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rule = await db.AlertRules.FirstOrDefaultAsync(r => r.Id == id, cancellationToken) ?? throw new NotFoundException($"There is no alert rule '{id}'.");
        RequireManaged(rule.ProjectId, managedProjects);
        change(rule);
        rule.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        Changed?.Invoke();
        return rule;
    }

    private static void Apply(AlertRule rule, AlertRuleRequest request, string? projectId, DateTime now)
    {
        rule.Name = request.Name.Trim();
        rule.Scope = request.Scope;
        rule.Target = request.Scope == AlertScope.Global ? null : request.Target?.Trim();
        rule.ProjectId = projectId;
        rule.Metric = request.Metric;
        rule.Threshold = request.Threshold;
        rule.WindowHours = request.Metric == AlertMetric.CostPerDay ? 24 : request.WindowHours;
        rule.MinSamples = request.MinSamples;
        rule.PendingMinutes = request.PendingMinutes;
        rule.Enabled = request.Enabled;
        rule.WebhookUrl = Blank(request.WebhookUrl);
        rule.WebhookFormat = request.WebhookFormat;
        // An empty secret on an edit keeps the one stored: the page never shows it back.
        if (!string.IsNullOrEmpty(request.WebhookSecret))
        {
            rule.WebhookSecret = request.WebhookSecret;
        }
        if (rule.WebhookUrl is null)
        {
            rule.WebhookSecret = null;
        }
        rule.UpdatedAt = now;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Checks every field and returns the project the rule belongs to.</summary>
    private async Task<string?> ValidateAsync(AlertRuleRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string problem) => errors[field] = [problem];

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > AlertRule.MaxNameLength)
        {
            Fail("name", $"is required, at most {AlertRule.MaxNameLength} characters.");
        }
        if (!Enum.IsDefined(request.Scope))
        {
            Fail("scope", "must be global, project or agent.");
        }
        if (!Enum.IsDefined(request.Metric))
        {
            Fail("metric", "must be one of " + string.Join(", ", Enum.GetNames<AlertMetric>()) + ".");
        }
        if (!double.IsFinite(request.Threshold) || request.Threshold < 0)
        {
            Fail("threshold", "must be a number of 0 or more.");
        }
        else if (request.Metric is AlertMetric.RunErrorRate or AlertMetric.LlmErrorRate && request.Threshold >= 100)
        {
            Fail("threshold", "is a percentage: below 100.");
        }
        else if (request.Metric == AlertMetric.Silence && request.Threshold < 1)
        {
            Fail("threshold", "is the minutes without a run: at least 1.");
        }
        if (request.WindowHours is < 1 or > MaxWindowHours)
        {
            Fail("window_hours", $"must be 1 to {MaxWindowHours}.");
        }
        if (request.MinSamples is < 1 or > 1_000_000)
        {
            Fail("min_samples", "must be 1 to 1,000,000.");
        }
        if (request.PendingMinutes is < 0 or > MaxPendingMinutes)
        {
            Fail("pending_minutes", $"must be 0 to {MaxPendingMinutes}.");
        }
        if (!string.IsNullOrWhiteSpace(request.WebhookUrl)
            && !(Uri.TryCreate(request.WebhookUrl.Trim(), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            Fail("webhook_url", "must be an absolute http(s) address, e.g. https://hooks.slack.com/services/….");
        }
        if (request.WebhookSecret is { Length: > 200 })
        {
            Fail("webhook_secret", "must be at most 200 characters.");
        }
        if (!Enum.IsDefined(request.WebhookFormat))
        {
            Fail("webhook_format", "must be generic or slack.");
        }

        string? projectId = null;
        var target = request.Target?.Trim();
        if (request.Scope == AlertScope.Project)
        {
            if (string.IsNullOrEmpty(target) || target.Length > 255)
            {
                Fail("target", "names the project (up to 255 characters) for a project rule.");
            }
            projectId = target;
        }
        else if (request.Scope == AlertScope.Agent)
        {
            var agent = string.IsNullOrEmpty(target) ? null : await agents.GetAsync(target, cancellationToken);
            if (agent is null)
            {
                Fail("target", string.IsNullOrEmpty(target) ? "names the agent (its id) for an agent rule." : $"there is no agent '{target}'.");
            }
            projectId = agent?.ProjectId;
        }

        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        return projectId;
    }
}
