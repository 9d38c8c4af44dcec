namespace AgentPortal.Core.Llm;

/// <summary>
/// The gateway could not answer a chat request, said the way a caller can act on: the HTTP status
/// the portal answers with (502 unreachable or refused key, 400 unknown model, 429 rate limited,
/// 504 timeout, 503 not configured), a title and a message saying what to fix.
/// </summary>
public sealed class LlmGatewayException(int statusCode, string title, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;

    public string Title { get; } = title;

    /// <summary>Passed on from the gateway's 429 answer.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static LlmGatewayException NotConfigured() => new(503, "LLM gateway not configured",
        "No LLM gateway is configured. Set Llm:BaseUrl (environment variable Llm__BaseUrl) to the gateway's OpenAI-compatible base URL, e.g. http://litellm:4000, and Llm:ApiKey to the portal's key there.");
}
