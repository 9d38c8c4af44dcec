using System.Net;
using AgentPortal.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace AgentPortal.Core.Llm;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// The gateway's HTTP client: retries network errors, 429 and 5xx with exponential backoff,
    /// waiting out the gateway's Retry-After up to <see cref="LlmOptions.MaxRetryDelay"/> (a longer one
    /// is passed on to the caller at once), and gives each attempt <see cref="LlmOptions.Timeout"/> to
    /// start answering. Retries happen before an answer begins, so a stream is never retried.
    /// </summary>
    public static IServiceCollection AddLlmGateway(this IServiceCollection services)
    {
        services.AddHttpClient(LlmGateway.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            // The gateway client is long-lived; connections are renewed instead so DNS changes are seen.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("llm-gateway", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<LlmOptions>>().Value;
                if (options.MaxRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        MaxDelay = options.MaxRetryDelay,
                        ShouldRetryAfterHeader = true,
                        ShouldHandle = arguments => ValueTask.FromResult(ShouldRetry(arguments.Outcome, options)),
                    });
                }
                pipeline.AddTimeout(options.Timeout);
            });
        services.AddSingleton<LlmGateway>();
        services.AddSingleton<ChatService>();
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<Health.IDependencyCheck, LlmGatewayCheck>();
        return services;
    }

    /// <summary>
    /// Transient failures are retried, except a timeout (a slow model stays slow: the caller hears at
    /// once) and a 429 asking for a longer wait than the portal gives.
    /// </summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, LlmOptions options)
    {
        if (outcome.Exception is TimeoutRejectedException)
        {
            return false;
        }
        if (outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests } limited
            && limited.Headers.RetryAfter is { } retryAfter
            && (retryAfter.Delta ?? (retryAfter.Date - DateTimeOffset.UtcNow)) > options.MaxRetryDelay)
        {
            return false;
        }
        return HttpClientResiliencePredicates.IsTransient(outcome);
    }
}
