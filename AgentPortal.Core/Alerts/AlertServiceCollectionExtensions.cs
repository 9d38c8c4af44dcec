using AgentPortal.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace AgentPortal.Core.Alerts;

public static class AlertServiceCollectionExtensions
{
    /// <summary>Alert rules, their evaluator on a schedule, and the webhook client with retries and backoff.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services)
    {
        services.AddHttpClient(AlertNotifier.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("alert-webhooks", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<AlertOptions>>().Value;
                if (options.WebhookRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.WebhookRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = false,
                        Delay = options.WebhookRetryDelay,
                        ShouldRetryAfterHeader = false,
                    });
                }
                pipeline.AddTimeout(options.WebhookTimeout);
            });
        services.AddSingleton<AlertRuleService>();
        services.AddSingleton<AlertNotifier>();
        services.AddSingleton<PortalLeases>();
        services.AddSingleton<AlertStatus>();
        services.AddSingleton<AlertEvaluator>();
        services.AddHostedService(provider => provider.GetRequiredService<AlertEvaluator>());
        return services;
    }
}
