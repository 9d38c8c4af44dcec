using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>Optional export of every accepted span to an upstream OpenTelemetry collector (OTLP/HTTP protobuf).</summary>
public sealed class ForwardingOptions
{
    public const string SectionName = "Forwarding";

    /// <summary>The collector's traces URL, e.g. http://otel-collector:4318/v1/traces. Empty turns forwarding off.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Extra request headers as comma-separated key=value pairs, e.g. "Authorization=Bearer abc". Never logged.</summary>
    public string? Headers { get; set; }

    /// <summary>Exports waiting to be sent; beyond this, new exports are dropped and counted (ingestion is never blocked).</summary>
    public int QueueCapacity { get; set; } = 1_000;

    /// <summary>Attempts per export for network errors, 429 and 5xx answers, with exponential backoff.</summary>
    public int MaxAttempts { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    public IEnumerable<KeyValuePair<string, string>> ParseHeaders() =>
        (Headers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim().Length > 0)
            .Select(parts => new KeyValuePair<string, string>(parts[0].Trim(), Uri.UnescapeDataString(parts[1].Trim())));
}

public sealed class ValidateForwardingOptions : IValidateOptions<ForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.Enabled && (!Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add("Forwarding:Endpoint", $"{ConfigurationProblems.Quote(options.Endpoint)} is not an http(s) URL.", "the collector's OTLP/HTTP traces URL, or empty to turn forwarding off", "http://otel-collector:4318/v1/traces");
        }
        if (options.Headers is { } headers && headers.Split(',', StringSplitOptions.RemoveEmptyEntries).Any(pair => !pair.Contains('=', StringComparison.Ordinal)))
        {
            problems.Add("Forwarding:Headers", "has an entry without '=' (its value is not shown).", "comma-separated key=value pairs", "Authorization=Bearer%20token");
        }
        if (options.QueueCapacity is < 1 or > 1_000_000)
        {
            problems.Add("Forwarding:QueueCapacity", $"{options.QueueCapacity} is out of range.", "1 to 1000000", "1000");
        }
        if (options.MaxAttempts is < 1 or > 20)
        {
            problems.Add("Forwarding:MaxAttempts", $"{options.MaxAttempts} is out of range.", "1 to 20", "5");
        }
        return problems.ToResult();
    }
}
