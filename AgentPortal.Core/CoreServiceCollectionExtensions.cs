using AgentPortal.Core.Agents;
using AgentPortal.Core.Alerts;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Health;
using AgentPortal.Core.Llm;
using AgentPortal.Core.Security;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.ClickHouse;
using AgentPortal.Core.Telemetry.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers options, stores and services of the core. <paramref name="baseDirectory"/> anchors
    /// relative data folders.
    /// </summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services, string baseDirectory)
    {
        services.TryAddSingleton(TimeProvider.System);

        // Validated at start by StartupConfigurationCheck rather than ValidateOnStart, so binding errors
        // and every section's problems are reported together in one message.
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName);
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.SectionName);
        services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.SectionName);
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName);
        services.AddOptions<ForwardingOptions>().BindConfiguration(ForwardingOptions.SectionName);
        services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.SectionName);
        services.AddOptions<IntegrationOptions>().BindConfiguration(IntegrationOptions.SectionName);
        services.AddOptions<VannaOptions>().BindConfiguration(VannaOptions.SectionName);
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName);
        services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.SectionName);
        services.AddOptions<EmbedOptions>().BindConfiguration(EmbedOptions.SectionName);
        services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.SectionName);
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName);
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName);
        services.AddSingleton<IValidateOptions<StorageOptions>, ValidateStorageOptions>();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, ValidateTelemetryOptions>();
        services.AddSingleton<IValidateOptions<BootstrapOptions>, ValidateBootstrapOptions>();
        services.AddSingleton<IValidateOptions<TracingOptions>, ValidateTracingOptions>();
        services.AddSingleton<IValidateOptions<ApiOptions>, ValidateApiOptions>();
        services.AddSingleton<IValidateOptions<ForwardingOptions>, ValidateForwardingOptions>();
        services.AddSingleton<IValidateOptions<LlmOptions>, ValidateLlmOptions>();
        services.AddSingleton<IValidateOptions<IntegrationOptions>, ValidateIntegrationOptions>();
        services.AddSingleton<IValidateOptions<VannaOptions>, ValidateVannaOptions>();
        services.AddSingleton<IValidateOptions<SecurityOptions>, ValidateSecurityOptions>();
        services.AddSingleton<IValidateOptions<OidcOptions>, ValidateOidcOptions>();
        services.AddSingleton<IValidateOptions<EmbedOptions>, ValidateEmbedOptions>();
        services.AddSingleton<IValidateOptions<AlertOptions>, ValidateAlertOptions>();
        services.AddSingleton<IValidateOptions<RetentionOptions>, ValidateRetentionOptions>();
        services.AddSingleton(new StartupConfigurationCheck()
            .Include<StorageOptions>()
            .Include<TelemetryOptions>()
            .Include<BootstrapOptions>()
            .Include<TracingOptions>()
            .Include<ApiOptions>()
            .Include<ForwardingOptions>()
            .Include<LlmOptions>()
            .Include<IntegrationOptions>()
            .Include<VannaOptions>()
            .Include<SecurityOptions>()
            .Include<OidcOptions>()
            .Include<EmbedOptions>()
            .Include<AlertOptions>()
            .Include<RetentionOptions>());

        services.AddSingleton(provider => new PortalPaths(provider.GetRequiredService<IOptions<StorageOptions>>().Value.ResolveDataDirectory(baseDirectory)));
        services.AddSingleton<OpenConnections>();
        services.AddSingleton<IDbContextFactory<PortalDbContext>, PortalDbContextFactory>();
        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddScoped<PortalDatabaseInitializer>();
        services.AddScoped<Identity.UserDirectory>();

        services.AddSingleton<AgentCache>();
        services.AddSingleton<IAgentRegistry, AgentRegistry>();
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<StorageReport>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<Pricing.PriceTable>();
        services.AddSingleton<Chat.ConversationStore>();
        services.AddSingleton<Monitoring.UsageOverviewService>();
        services.AddSingleton<Monitoring.AgentActivityService>();
        services.AddSingleton<Monitoring.AgentComparisonService>();

        services.AddSingleton<ITelemetryStore>(provider =>
        {
            var telemetry = provider.GetRequiredService<IOptions<TelemetryOptions>>().Value;
            return telemetry.ProviderKind != TelemetryProvider.ClickHouse
                ? new SqliteTelemetryStore(provider.GetRequiredService<PortalPaths>().TelemetryDatabase)
                : telemetry.ClickHouse.IsCollectorMode
                    ? new CollectorTracesStore(telemetry.ClickHouse)
                    : new ClickHouseTelemetryStore(telemetry.ClickHouse, provider.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<TelemetryChanges>();
        services.AddSingleton<TelemetryWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<TelemetryWriter>());
        services.AddSingleton<RunTimeoutJob>();
        services.AddHostedService(provider => provider.GetRequiredService<RunTimeoutJob>());
        services.TryAddSingleton<Telemetry.Retention.DiskSpace>();
        services.AddSingleton<Telemetry.Retention.RetentionJob>();
        services.AddHostedService(provider => provider.GetRequiredService<Telemetry.Retention.RetentionJob>());
        services.AddMetrics();
        services.AddSingleton<PortalMetrics>();
        services.AddSingleton<AgentRunService>();
        services.AddSingleton<Otlp.OtlpTraceService>();
        services.AddSingleton<Otlp.SpanForwarder>();
        services.AddHostedService(provider => provider.GetRequiredService<Otlp.SpanForwarder>());
        services.AddSingleton<IDependencyCheck>(provider => provider.GetRequiredService<Otlp.SpanForwarder>());

        services.AddAlerts();
        services.AddLlmGateway();
        // Runs are not retried (a flow may have side effects); each run's time is bounded by the runner.
        services.AddHttpClient(Integrations.AgentRunner.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<Integrations.AgentRunner>();
        services.AddSingleton<Vanna.TextToSqlService>();
        foreach (var kind in Enum.GetValues<Integrations.RunnerKind>())
        {
            services.AddSingleton<IDependencyCheck>(provider => new Integrations.IntegrationCheck(kind,
                provider.GetRequiredService<IOptions<IntegrationOptions>>(), provider.GetRequiredService<IHttpClientFactory>()));
        }

        services.AddSingleton<DependencyChecker>();
        services.AddSingleton<IDependencyCheck, PortalDatabaseCheck>();
        services.AddSingleton<IDependencyCheck, TelemetryStoreCheck>();
        return services;
    }
}
