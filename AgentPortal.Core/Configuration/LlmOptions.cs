using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>The LLM gateway the chat playground and the runners call: LiteLLM or any OpenAI-compatible base URL.</summary>
public sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary>The gateway's OpenAI-compatible base URL, e.g. http://litellm:4000 (or https://api.openai.com/v1). Empty: chat is off.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The portal's key at the gateway (a LiteLLM virtual key). Sent as a Bearer token; never logged or shown.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long the gateway has to start answering, and at most between two pieces of a streamed answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The model the chat page starts with; when empty, the first the gateway lists.</summary>
    public string? DefaultModel { get; set; }

    /// <summary>Retries after a network error, 429 or 5xx, before the caller is told. A stream that has begun is never retried.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>The longest Retry-After the portal waits out itself; a longer one is passed on to the caller at once.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => !string.IsNullOrWhiteSpace(BaseUrl);

    /// <summary>The base URL with a trailing slash, so relative paths (chat/completions, models) keep its path.</summary>
    public Uri Endpoint => new(BaseUrl!.TrimEnd('/') + "/");
}

public sealed class ValidateLlmOptions : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.Enabled && (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps) || url.Query.Length > 0))
        {
            problems.Add("Llm:BaseUrl", $"{ConfigurationProblems.Quote(options.BaseUrl)} is not an http(s) URL without a query.", "the gateway's OpenAI-compatible base URL, or empty to turn chat off", "http://litellm:4000");
        }
        if (options.Timeout < TimeSpan.FromSeconds(1) || options.Timeout > TimeSpan.FromHours(1))
        {
            problems.Add("Llm:Timeout", $"{options.Timeout} is out of range.", "00:00:01 to 01:00:00", "00:01:40");
        }
        if (options.MaxRetries is < 0 or > 10)
        {
            problems.Add("Llm:MaxRetries", $"{options.MaxRetries} is out of range.", "0 to 10", "2");
        }
        if (options.MaxRetryDelay < TimeSpan.Zero || options.MaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            problems.Add("Llm:MaxRetryDelay", $"{options.MaxRetryDelay} is out of range.", "00:00:00 to 00:05:00", "00:00:10");
        }
        if (options.ApiKey is { Length: > 0 } key && key.Any(char.IsWhiteSpace))
        {
            problems.Add("Llm:ApiKey", "contains white space (its value is not shown).", "the gateway key without spaces, or leave it unset", "sk-litellm-portal");
        }
        return problems.ToResult();
    }
}
