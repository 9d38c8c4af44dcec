namespace AgentPortal.Core.Alerts;

/// <summary>What a rule watches: every agent, one project's agents, or one agent.</summary>
public enum AlertScope
{
    Global,
    Project,
    Agent,
}

/// <summary>The figure a rule compares with its threshold.</summary>
public enum AlertMetric
{
    /// <summary>Failed runs of all runs in the window, in percent; the sample is the run count.</summary>
    RunErrorRate,

    /// <summary>Failed LLM calls of all LLM calls in the window, in percent; the sample is the call count.</summary>
    LlmErrorRate,

    /// <summary>The 95th percentile of run latency in the window, in milliseconds; the sample is the run count.</summary>
    P95Latency,

    /// <summary>The cost of the LLM calls of the last 24 hours, in US dollars.</summary>
    CostPerDay,

    /// <summary>Input plus output tokens in the window.</summary>
    TokenUsage,

    /// <summary>Minutes since the latest run started; fires when no run started for longer than the threshold.</summary>
    Silence,
}

/// <summary>Where a rule stands: <c>Pending</c> is a breach not yet held for the rule's pending time.</summary>
public enum AlertState
{
    Ok,
    Pending,
    Firing,
}

/// <summary>The body a webhook receives: Slack's incoming-webhook JSON (<c>text</c>), or the generic JSON document.</summary>
public enum WebhookFormat
{
    Generic,
    Slack,
}

/// <summary>What an alert history row records.</summary>
public enum AlertEventKind
{
    Pending,
    Firing,
    Resolved,
    Test,
}

/// <summary>An alert rule, its current state and its webhook. Kept in the portal database so every replica sees the same.</summary>
public sealed class AlertRule
{
    public const int MaxNameLength = 200;

    public required string Id { get; init; }

    public required string Name { get; set; }

    public AlertScope Scope { get; set; }

    /// <summary>The project id (project scope) or the agent id (agent scope); null for a global rule.</summary>
    public string? Target { get; set; }

    /// <summary>The project the rule belongs to, for who may manage it (an agent rule's agent's project); null for a global rule.</summary>
    public string? ProjectId { get; set; }

    public AlertMetric Metric { get; set; }

    /// <summary>Breached when the figure is above this (percent, milliseconds, dollars, tokens or minutes by metric).</summary>
    public double Threshold { get; set; }

    /// <summary>
    /// Hours of hourly rollups the figure covers (the last whole hours and the current one); cost per
    /// day always covers 24 and silence ignores it.
    /// </summary>
    public int WindowHours { get; set; } = 1;

    /// <summary>Fewer runs (or LLM calls, for the LLM error rate) than this in the window never breach, so one failure pages nobody.</summary>
    public int MinSamples { get; set; } = 20;

    /// <summary>How long a breach must hold before the rule fires; 0 fires at the first breach.</summary>
    public int PendingMinutes { get; set; } = 5;

    public bool Enabled { get; set; } = true;

    /// <summary>No notification is sent until then; the rule is still evaluated and its history kept.</summary>
    public DateTime? MutedUntil { get; set; }

    public string? WebhookUrl { get; set; }

    public WebhookFormat WebhookFormat { get; set; }

    /// <summary>When set, every delivery carries an HMAC-SHA256 signature made with it.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Deliveries that failed in a row (every retry spent).</summary>
    public int WebhookFailures { get; set; }

    /// <summary>Set when deliveries failed too often in a row; nothing is sent until someone turns the webhook back on.</summary>
    public DateTime? WebhookDisabledAt { get; set; }

    public string? WebhookLastError { get; set; }

    public AlertState State { get; set; }

    public DateTime? StateSince { get; set; }

    /// <summary>The figure at the latest evaluation; null when there was too little data.</summary>
    public double? LastValue { get; set; }

    public DateTime? LastEvaluatedAt { get; set; }

    public DateTime CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTime UpdatedAt { get; set; }

    public bool IsMuted(DateTime now) => MutedUntil is { } until && until > now;

    public bool WebhookActive => !string.IsNullOrWhiteSpace(WebhookUrl) && WebhookDisabledAt is null;

    /// <summary>The rule's condition in words, e.g. "run error rate above 5 % over 1 h (at least 20 runs)".</summary>
    public string Describe() => AlertMetrics.Describe(this);

    public AlertRule Copy() => (AlertRule)MemberwiseClone();
}

/// <summary>One row of a rule's history: a state change, or a test notification.</summary>
public sealed class AlertEvent
{
    public required string Id { get; init; }

    public required string RuleId { get; init; }

    /// <summary>The rule's name when it happened, so the history reads well after a rename or delete.</summary>
    public required string RuleName { get; init; }

    public DateTime At { get; init; }

    public AlertEventKind Kind { get; init; }

    public double? Value { get; init; }

    public required string Message { get; init; }

    /// <summary>Whether the webhook took it; null when no notification was due (no webhook, muted).</summary>
    public bool? Delivered { get; set; }

    public string? DeliveryError { get; set; }
}

/// <summary>A named lease in the portal database: the replica holding it does the job until it expires.</summary>
public sealed class PortalLease
{
    public required string Name { get; init; }

    public required string Holder { get; set; }

    public DateTime ExpiresAt { get; set; }
}
