using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>How alert rules are evaluated and their webhooks called.</summary>
public sealed class AlertOptions
{
    public const string SectionName = "Alerts";

    /// <summary>Turns the evaluator off on this replica (rules can still be edited; another replica evaluates them).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the rules are evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one webhook attempt may take.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after a failed attempt (a network error, a timeout, a 408, 429 or 5xx answer).</summary>
    public int WebhookRetries { get; set; } = 3;

    /// <summary>The first retry's delay; each next one doubles it.</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deliveries failing in a row (every retry spent) before the rule's webhook is turned off and the page says so.</summary>
    public int DisableWebhookAfterFailures { get; set; } = 5;

    /// <summary>The portal's address as people open it, for the link in notifications (e.g. https://portal.example.com); empty leaves the link out.</summary>
    public string? PortalUrl { get; set; }
}

public sealed class ValidateAlertOptions : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.EvaluationInterval < TimeSpan.FromSeconds(1) || options.EvaluationInterval > TimeSpan.FromHours(1))
        {
            problems.Add("Alerts:EvaluationInterval", $"{options.EvaluationInterval} is out of range.", "00:00:01 to 01:00:00", "00:01:00");
        }
        if (options.WebhookTimeout < TimeSpan.FromMilliseconds(100) || options.WebhookTimeout > TimeSpan.FromMinutes(2))
        {
            problems.Add("Alerts:WebhookTimeout", $"{options.WebhookTimeout} is out of range.", "00:00:00.1 to 00:02:00", "00:00:10");
        }
        if (options.WebhookRetries is < 0 or > 10)
        {
            problems.Add("Alerts:WebhookRetries", $"{options.WebhookRetries} is out of range.", "0 to 10", "3");
        }
        if (options.WebhookRetryDelay < TimeSpan.Zero || options.WebhookRetryDelay > TimeSpan.FromMinutes(1))
        {
            problems.Add("Alerts:WebhookRetryDelay", $"{options.WebhookRetryDelay} is out of range.", "00:00:00 to 00:01:00", "00:00:02");
        }
        if (options.DisableWebhookAfterFailures is < 1 or > 1000)
        {
            problems.Add("Alerts:DisableWebhookAfterFailures", $"{options.DisableWebhookAfterFailures} is out of range.", "1 to 1000", "5");
        }
        if (!string.IsNullOrWhiteSpace(options.PortalUrl) && !(Uri.TryCreate(options.PortalUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            problems.Add("Alerts:PortalUrl", $"{ConfigurationProblems.Quote(options.PortalUrl)} is not an http(s) address.", "an absolute http(s) URL", "https://portal.example.com");
        }
        return problems.ToResult();
    }
}
