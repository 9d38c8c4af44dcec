using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Alerts;

/// <summary>What a notification says: the rule, what happened and the figure that made it happen.</summary>
public sealed record AlertNotice(AlertRule Rule, AlertEventKind Kind, double? Value, DateTime At);

/// <summary>
/// Calls a rule's webhook. The HTTP client's resilience pipeline (Microsoft.Extensions.Http.Resilience)
/// retries network errors, timeouts, 408, 429 and 5xx answers with exponential backoff; this class
/// builds the body and the signature. The secret and the URL's query (Slack puts its token in the
/// path, others in the query) are never logged.
/// </summary>
public sealed partial class AlertNotifier(IHttpClientFactory clients, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertNotifier> logger)
{
    public const string HttpClientName = "alert-webhooks";
    public const string SignatureHeader = "X-AgentPortal-Signature";
    public const string TimestampHeader = "X-AgentPortal-Timestamp";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Sends the notice; returns null when the webhook took it, otherwise why not (after every retry).</summary>
    public async Task<string?> SendAsync(AlertNotice notice, CancellationToken cancellationToken)
    {
        var rule = notice.Rule;
        if (string.IsNullOrWhiteSpace(rule.WebhookUrl))
        {
            return "The rule has no webhook.";
        }
        var body = rule.WebhookFormat == WebhookFormat.Slack ? SlackBody(notice) : GenericBody(notice);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, rule.WebhookUrl) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("AgentPortal", "1.0"));
            if (!string.IsNullOrEmpty(rule.WebhookSecret))
            {
                var timestamp = time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
                request.Headers.Add(TimestampHeader, timestamp);
                request.Headers.Add(SignatureHeader, Sign(rule.WebhookSecret, timestamp, body));
            }
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }
            var error = $"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.";
            LogFailed(rule.Name, SafeAddress(rule.WebhookUrl), error);
            return error;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            var error = ex is HttpRequestException
                ? $"The webhook could not be reached: {ex.Message}"
                : $"The webhook did not answer within {options.Value.WebhookTimeout.TotalSeconds:0.#} s.";
            LogFailed(rule.Name, SafeAddress(rule.WebhookUrl), error);
            return error;
        }
    }

    /// <summary><c>sha256=</c> and the hex HMAC-SHA256 of "timestamp.body" with the rule's secret; receivers recompute it to check the sender.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    /// <summary>The scheme, host and path only: webhook addresses often carry a token in their query.</summary>
    internal static string SafeAddress(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}" : "(not a URL)";

    private string GenericBody(AlertNotice notice)
    {
        var rule = notice.Rule;
        return JsonSerializer.Serialize(new
        {
            RuleId = rule.Id,
            Rule = rule.Name,
            State = KindName(notice.Kind),
            Condition = rule.Describe(),
            Metric = rule.Metric.ToString(),
            rule.Threshold,
            notice.Value,
            Unit = AlertMetrics.Unit(rule.Metric),
            Scope = rule.Scope.ToString().ToLowerInvariant(),
            rule.Target,
            rule.ProjectId,
            At = notice.At,
            Url = Link(rule),
        }, s_json);
    }

    private string SlackBody(AlertNotice notice)
    {
        var rule = notice.Rule;
        var value = notice.Value is { } v ? AlertMetrics.Format(rule.Metric, v) : "no data";
        var where = rule.Scope switch
        {
            AlertScope.Project => $" in project {rule.Target}",
            AlertScope.Agent => $" for agent {rule.Target}",
            _ => "",
        };
        var headline = notice.Kind switch
        {
            AlertEventKind.Firing => $":rotating_light: *[FIRING] {rule.Name}*",
            AlertEventKind.Resolved => $":white_check_mark: *[RESOLVED] {rule.Name}*",
            AlertEventKind.Test => $":test_tube: *[TEST] {rule.Name}*",
            _ => $"*[{KindName(notice.Kind).ToUpperInvariant()}] {rule.Name}*",
        };
        var link = Link(rule) is { } url ? $" <{url}|Open in AgentPortal>" : "";
        return JsonSerializer.Serialize(new { Text = $"{headline}: {value}{where}; the rule: {rule.Describe()}.{link}" }, s_json);
    }

    private string? Link(AlertRule rule) =>
        string.IsNullOrWhiteSpace(options.Value.PortalUrl) ? null : $"{options.Value.PortalUrl.TrimEnd('/')}/alerts/{rule.Id}";

    internal static string KindName(AlertEventKind kind) => kind.ToString().ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook of alert rule {Rule} at {Address} failed: {Error}")]
    private partial void LogFailed(string rule, string address, string error);
}
