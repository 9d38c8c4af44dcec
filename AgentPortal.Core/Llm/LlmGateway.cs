using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using Polly.Timeout;

namespace AgentPortal.Core.Llm;

/// <summary>
/// The client of the LLM gateway (LiteLLM or any OpenAI-compatible base URL), through the official
/// OpenAI SDK over the resilient <see cref="HttpClientName"/> client (timeouts and retries live
/// there; the SDK's own retries are off so a request is never retried twice over). Chat bodies are
/// sent as given with the SDK's protocol methods, so every field a caller or the gateway knows
/// (tools, response_format, LiteLLM's extras) passes through. Every failure becomes an
/// <see cref="LlmGatewayException"/> that says what to fix.
/// </summary>
public sealed partial class LlmGateway
{
    public const string HttpClientName = "agentportal-llm";

    private static readonly TimeSpan s_modelCacheTime = TimeSpan.FromSeconds(30);

    private readonly LlmOptions _options;
    private readonly ChatClient? _chat;
    private readonly OpenAIModelClient? _models;
    private readonly TimeProvider _time;
    private readonly ILogger<LlmGateway> _logger;
    private readonly HttpClient _http;
    private (DateTimeOffset At, IReadOnlyList<string> Ids)? _modelCache;

    public LlmGateway(IOptions<LlmOptions> options, IHttpClientFactory clients, TimeProvider time, ILogger<LlmGateway> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _http = clients.CreateClient(HttpClientName);
        if (!_options.Enabled)
        {
            return;
        }
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = _options.Endpoint,
            Transport = new HttpClientPipelineTransport(_http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // Also bounds the wait between two pieces of a streamed answer.
            NetworkTimeout = _options.Timeout,
        };
        // The SDK needs a key; a gateway without keys (a local LiteLLM with no master key) ignores the
        // one it is given when Llm:ApiKey is unset.
        var authentication = new ApiKeyCredential(_options.ApiKey is { Length: > 0 } key ? key : "no-key-configured");
        // The model given here is not used: protocol calls send the caller's body, which names its model.
        _chat = new ChatClient(_options.DefaultModel is { Length: > 0 } model ? model : "default", authentication, clientOptions);
        _models = new OpenAIModelClient(authentication, clientOptions);
    }

    public bool Enabled => _chat is not null;

    /// <summary>Where the gateway is, for messages and the health page (never with credentials).</summary>
    public string Describe => _options.Enabled ? _options.Endpoint.GetLeftPart(UriPartial.Path) : "not configured";

    public string? DefaultModel => _options.DefaultModel is { Length: > 0 } model ? model : null;

    /// <summary>The model ids the gateway offers (its /models), cached for half a minute.</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken, bool fresh = false)
    {
        var models = _models ?? throw LlmGatewayException.NotConfigured();
        if (!fresh && _modelCache is { } cached && _time.GetUtcNow() - cached.At < s_modelCacheTime)
        {
            return cached.Ids;
        }
        try
        {
            var result = await models.GetModelsAsync(cancellationToken);
            IReadOnlyList<string> ids = [.. result.Value.Select(m => m.Id).Where(id => !string.IsNullOrEmpty(id)).Order(StringComparer.Ordinal)];
            _modelCache = (_time.GetUtcNow(), ids);
            return ids;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Translate(ex, "listing models", cancellationToken);
        }
    }

    /// <summary>
    /// The gateway's version when it tells it: LiteLLM's <c>GET /health/readiness</c> answers
    /// <c>litellm_version</c>. Null for gateways without that endpoint.
    /// </summary>
    public async Task<string?> VersionAsync(CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return null;
        }
        try
        {
            using var response = await _http.GetAsync(new Uri(new Uri(_options.Endpoint.GetLeftPart(UriPartial.Authority)), "/health/readiness"), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }
            using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("litellm_version", out var version) && version.ValueKind == JsonValueKind.String
                ? "litellm " + version.GetString()
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>One chat completion, the OpenAI request body as given; returns the gateway's JSON answer.</summary>
    public async Task<BinaryData> CompleteAsync(BinaryData body, string model, CancellationToken cancellationToken)
    {
        var chat = _chat ?? throw LlmGatewayException.NotConfigured();
        try
        {
            var result = await chat.CompleteChatAsync(BinaryContent.Create(body), new RequestOptions { CancellationToken = cancellationToken });
            return result.GetRawResponse().Content;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw await TranslateChatAsync(ex, model, cancellationToken);
        }
    }

    /// <summary>
    /// A streamed chat completion: yields each server-sent event's data (one OpenAI chunk as JSON) as
    /// it arrives. Ends at <c>[DONE]</c>; a stream that breaks or ends without it throws an
    /// <see cref="LlmGatewayException"/> saying so, after the pieces that did arrive.
    /// </summary>
    public async IAsyncEnumerable<string> StreamAsync(BinaryData body, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var chat = _chat ?? throw LlmGatewayException.NotConfigured();
        ClientResult result;
        try
        {
            result = await chat.CompleteChatAsync(BinaryContent.Create(body), new RequestOptions { CancellationToken = cancellationToken, BufferResponse = false });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw await TranslateChatAsync(ex, model, cancellationToken);
        }

        using var response = result.GetRawResponse();
        var stream = response.ContentStream ?? throw StreamCut("the gateway answered without a body");
        await using var events = SseParser.Create(stream).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await events.MoveNextAsync();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw StreamCut(ex is OperationCanceledException or TimeoutException
                    ? $"no piece arrived within {_options.Timeout.TotalSeconds:0} s (Llm:Timeout)"
                    : ex.Message, ex);
            }
            if (!more)
            {
                throw StreamCut("the gateway closed the stream without its final [DONE]");
            }
            var data = events.Current.Data;
            if (data == "[DONE]")
            {
                yield break;
            }
            if (data.Length > 0)
            {
                yield return data;
            }
        }
    }

    private static LlmGatewayException StreamCut(string why, Exception? inner = null) =>
        new(502, "The answer was cut off", $"The LLM gateway's stream broke before the answer was complete: {why}. What arrived is kept.", null, inner);

    private async Task<LlmGatewayException> TranslateChatAsync(Exception ex, string model, CancellationToken cancellationToken)
    {
        if (ex is ClientResultException { Status: 400 or 404 } refused)
        {
            // OpenAI answers 404 model_not_found, LiteLLM 400 "Invalid model name": ask the gateway what it has.
            IReadOnlyList<string>? available = null;
            try
            {
                available = await ListModelsAsync(cancellationToken);
            }
            catch (LlmGatewayException)
            {
                // The original refusal is the more useful message.
            }
            if (available is not null && !available.Contains(model, StringComparer.Ordinal))
            {
                return new LlmGatewayException(400, "Unknown model",
                    $"The gateway does not offer the model '{model}'. Available: {(available.Count == 0 ? "none" : string.Join(", ", available.Take(50)))}.", null, ex);
            }
            return new LlmGatewayException(400, "The gateway refused the request", $"The LLM gateway refused the request (HTTP {refused.Status}): {UpstreamMessage(refused)}", null, ex);
        }
        return Translate(ex, "a chat completion", cancellationToken);
    }

    private LlmGatewayException Translate(Exception ex, string what, CancellationToken cancellationToken)
    {
        var gateway = Describe;
        switch (ex)
        {
            case ClientResultException { Status: 401 or 403 } refused:
                return new LlmGatewayException(502, "The gateway refused the portal's key",
                    $"The LLM gateway at {gateway} refused the portal's key (HTTP {refused.Status}: {UpstreamMessage(refused)}). Check Llm:ApiKey (environment variable Llm__ApiKey).", null, ex);
            case ClientResultException { Status: 429 } limited:
                var retryAfter = RetryAfter(limited.GetRawResponse());
                return new LlmGatewayException(429, "Rate limited by the gateway",
                    $"The LLM gateway is rate limiting the portal: {UpstreamMessage(limited)}. Retry after {(retryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds:0} s.", retryAfter ?? TimeSpan.FromSeconds(1), ex);
            case ClientResultException { Status: 408 or 504 }:
            case TimeoutRejectedException:
            case TimeoutException:
            case OperationCanceledException when !cancellationToken.IsCancellationRequested:
                return new LlmGatewayException(504, "The gateway timed out",
                    $"The LLM gateway at {gateway} did not answer {what} within {_options.Timeout.TotalSeconds:0} s (Llm:Timeout).", null, ex);
            case ClientResultException { Status: 0 } unreachable:
                LogUnreachable(gateway, unreachable.InnerException?.Message ?? unreachable.Message);
                return new LlmGatewayException(502, "The gateway could not be reached",
                    $"The LLM gateway at {gateway} could not be reached ({unreachable.InnerException?.Message ?? unreachable.Message}); tried {_options.MaxRetries + 1} times. Check Llm:BaseUrl and that the gateway is running.", null, ex);
            case ClientResultException failed:
                return new LlmGatewayException(502, "The gateway failed",
                    $"The LLM gateway at {gateway} failed {what} (HTTP {failed.Status}): {UpstreamMessage(failed)}", null, ex);
            case HttpRequestException network:
                LogUnreachable(gateway, network.Message);
                return new LlmGatewayException(502, "The gateway could not be reached",
                    $"The LLM gateway at {gateway} could not be reached ({network.Message}); tried {_options.MaxRetries + 1} times. Check Llm:BaseUrl and that the gateway is running.", null, ex);
            default:
                return new LlmGatewayException(502, "The gateway's answer could not be read", $"The LLM gateway at {gateway} answered {what} with something the portal could not read: {ex.Message}", null, ex);
        }
    }

    /// <summary>The error message of an OpenAI-shaped error body ({"error": {"message": …}}), or its first characters.</summary>
    internal static string UpstreamMessage(ClientResultException ex)
    {
        var response = ex.GetRawResponse();
        var text = response is null ? "" : SafeContent(response);
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return error.GetString()!;
                }
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                {
                    return message.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the text itself, shortened below.
        }
        text = text.Trim();
        return text.Length == 0 ? response?.ReasonPhrase ?? "no message" : text.Length <= 300 ? text : text[..300] + "…";
    }

    private static string SafeContent(PipelineResponse response)
    {
        try
        {
            return response.Content.ToString();
        }
        catch (InvalidOperationException)
        {
            // An unbuffered error body that was not read.
            return "";
        }
    }

    private static TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null || !response.Headers.TryGetValue("Retry-After", out var value) || value is null)
        {
            return null;
        }
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? TimeSpan.FromSeconds(Math.Max(0, Math.Ceiling((at - DateTimeOffset.UtcNow).TotalSeconds)))
            : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The LLM gateway at {Gateway} could not be reached: {Reason}")]
    private partial void LogUnreachable(string gateway, string reason);
}
