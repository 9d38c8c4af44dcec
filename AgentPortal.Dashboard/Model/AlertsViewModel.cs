using System.Security.Claims;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Alerts;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Identity;

namespace AgentPortal.Dashboard.Model;

/// <summary>A rule as the edit form holds it.</summary>
public sealed class AlertRuleForm
{
    public string Name { get; set; } = "";

    public AlertScope Scope { get; set; } = AlertScope.Global;

    public string Project { get; set; } = "";

    public string? AgentId { get; set; }

    public AlertMetric Metric { get; set; } = AlertMetric.RunErrorRate;

    public double Threshold { get; set; } = 5;

    public int WindowHours { get; set; } = 1;

    public int MinSamples { get; set; } = 20;

    public int PendingMinutes { get; set; } = 5;

    public string WebhookUrl { get; set; } = "";

    public WebhookFormat WebhookFormat { get; set; } = WebhookFormat.Generic;

    /// <summary>Empty on an edit keeps the stored secret, which is never shown back.</summary>
    public string WebhookSecret { get; set; } = "";

    public bool HasSecret { get; set; }

    public bool Enabled { get; set; } = true;

    public AlertRuleRequest ToRequest() => new(Name, Scope, Scope switch
    {
        AlertScope.Project => Project,
        AlertScope.Agent => AgentId,
        _ => null,
    }, Metric, Threshold, WindowHours, MinSamples, PendingMinutes, WebhookUrl, WebhookFormat, WebhookSecret, Enabled);

    public static AlertRuleForm From(AlertRule rule) => new()
    {
        Name = rule.Name,
        Scope = rule.Scope,
        Project = rule.Scope == AlertScope.Project ? rule.Target ?? "" : "",
        AgentId = rule.Scope == AlertScope.Agent ? rule.Target : null,
        Metric = rule.Metric,
        Threshold = rule.Threshold,
        WindowHours = rule.WindowHours,
        MinSamples = rule.MinSamples,
        PendingMinutes = rule.PendingMinutes,
        WebhookUrl = rule.WebhookUrl ?? "",
        WebhookFormat = rule.WebhookFormat,
        HasSecret = !string.IsNullOrEmpty(rule.WebhookSecret),
        Enabled = rule.Enabled,
    };

    /// <summary>A starting threshold that makes sense for the metric, when a person switches metric on a new rule.</summary>
    public static double DefaultThreshold(AlertMetric metric) => metric switch
    {
        AlertMetric.RunErrorRate or AlertMetric.LlmErrorRate => 5,
        AlertMetric.P95Latency => 10_000,
        AlertMetric.CostPerDay => 50,
        AlertMetric.TokenUsage => 1_000_000,
        AlertMetric.Silence => 60,
        _ => 0,
    };
}

/// <summary>
/// The alerts pages: rules with their state, history, and the changes a person can make. Everyone
/// signed in reads them; Admins manage every rule and Operators those of their projects, which
/// <see cref="AlertRuleService"/> checks again on each change.
/// </summary>
public sealed class AlertsViewModel(AlertRuleService rules, AlertEvaluator evaluator, IAgentRegistry registry, AuditLog audit, TimeProvider time, ILogger<AlertsViewModel> logger)
{
    public const int HistoryRows = 200;

    public Loadable<IReadOnlyList<AlertRule>> Rules { get; } = new(logger, "the alert rules");

    public Loadable<IReadOnlyList<AlertEvent>> History { get; } = new(logger, "the alert history");

    /// <summary>Agent names by id, for rules scoped to an agent.</summary>
    public IReadOnlyDictionary<string, Agent> Agents { get; private set; } = new Dictionary<string, Agent>();

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public static bool CanManage(ClaimsPrincipal user) => user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Operator);

    public async Task LoadAsync(string? ruleId = null, bool quiet = false)
    {
        await Task.WhenAll(
            Rules.LoadAsync(async cancellationToken => await rules.ListAsync(cancellationToken), quiet),
            History.LoadAsync(async cancellationToken => await rules.HistoryAsync(ruleId, HistoryRows, cancellationToken), quiet),
            LoadAgentsAsync());
    }

    /// <summary>The agents a person may point a rule at: all for Admins, their projects' for Operators.</summary>
    public IEnumerable<Agent> AgentChoices(ClaimsPrincipal user) =>
        UserDirectory.ManagedProjects(user) is { } managed ? Agents.Values.Where(a => managed.Contains(a.ProjectId)) : Agents.Values;

    public string ScopeText(AlertRule rule) => rule.Scope switch
    {
        AlertScope.Project => $"project {rule.Target}",
        AlertScope.Agent => Agents.TryGetValue(rule.Target ?? "", out var agent) ? $"agent {agent.Name} ({agent.ProjectId})" : $"agent {rule.Target} (not registered)",
        _ => "all agents",
    };

    public Task<AlertRule> GetAsync(string id) => rules.GetAsync(id, CancellationToken.None);

    public async Task<AlertRule> SaveAsync(string? id, AlertRuleForm form, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManager(user);
        var managed = UserDirectory.ManagedProjects(user);
        return id is null
            ? await rules.CreateAsync(form.ToRequest(), managed, actor, CancellationToken.None)
            : await rules.UpdateAsync(id, form.ToRequest(), managed, actor, CancellationToken.None);
    }

    public async Task MuteAsync(AlertRule rule, TimeSpan? duration, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManager(user);
        await rules.MuteAsync(rule.Id, duration is { } d ? Now + d : null, UserDirectory.ManagedProjects(user), actor, CancellationToken.None);
        await LoadAsync(quiet: true);
    }

    public async Task EnableWebhookAsync(AlertRule rule, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManager(user);
        await rules.EnableWebhookAsync(rule.Id, UserDirectory.ManagedProjects(user), actor, CancellationToken.None);
        await LoadAsync(quiet: true);
    }

    public async Task DeleteAsync(AlertRule rule, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManager(user);
        await rules.DeleteAsync(rule.Id, UserDirectory.ManagedProjects(user), actor, CancellationToken.None);
        await LoadAsync(quiet: true);
    }

    /// <summary>Sends a test notification; returns whether the webhook took it and what happened in words.</summary>
    public async Task<(bool Delivered, string Message)> TestAsync(AlertRule rule, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManager(user);
        AlertRuleService.RequireManaged((await rules.GetAsync(rule.Id, CancellationToken.None)).ProjectId, UserDirectory.ManagedProjects(user));
        var sent = await evaluator.TestAsync(rule.Id, CancellationToken.None);
        await audit.RecordAsync(actor, AuditActions.AlertTestSent, rule.Name, sent.DeliveryError, sent.Delivered == true);
        await LoadAsync(quiet: true);
        return sent.Delivered == true
            ? (true, $"The webhook took the test notification of {rule.Name}.")
            : (false, $"The test notification of {rule.Name} failed: {sent.DeliveryError}");
    }

    private static void RequireManager(ClaimsPrincipal user)
    {
        if (!CanManage(user))
        {
            throw new ForbiddenException("Only Admins and Operators manage alert rules; Viewers see them.");
        }
    }

    private async Task LoadAgentsAsync()
    {
        try
        {
            var agents = new Dictionary<string, Agent>(StringComparer.Ordinal);
            for (var page = 1; page <= 20; page++)
            {
                var result = await registry.ListAsync(new ListAgentsRequest { Page = page, PageSize = 500 }, CancellationToken.None);
                foreach (var agent in result.Items)
                {
                    agents[agent.Id] = agent;
                }
                if (!result.HasMore)
                {
                    break;
                }
            }
            Agents = agents;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Names are a nicety here: rules still show with their agent ids.
            logger.LogWarning(ex, "Could not read the agents for the alerts page");
        }
    }
}
