using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers options, stores and services of the core. <paramref name="contentRoot"/> anchors
    /// relative data folders.
    /// </summary>
    public static IServiceCollection AddPortalCore(this IServiceCollection services, string contentRoot)
    {
        services.TryAddSingleton(TimeProvider.System);

        // Validated at start by StartupConfigurationCheck rather than ValidateOnStart, so binding errors
        // and every section's problems are reported together in one message.
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName);
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.SectionName);
        services.AddSingleton<IValidateOptions<StorageOptions>, ValidateStorageOptions>();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, ValidateTelemetryOptions>();
        services.AddSingleton<IValidateOptions<BootstrapOptions>, ValidateBootstrapOptions>();
        services.AddSingleton(new StartupConfigurationCheck()
            .Include<StorageOptions>()
            .Include<TelemetryOptions>()
            .Include<BootstrapOptions>());

        services.AddSingleton(provider => new PortalPaths(provider.GetRequiredService<IOptions<StorageOptions>>().Value.ResolveDataDirectory(contentRoot)));
        services.AddDbContext<PortalDbContext>((provider, options) =>
            options.UseSqlite(provider.GetRequiredService<PortalPaths>().RegistryConnectionString));
        services.AddScoped<PortalDatabaseInitializer>();
        services.AddScoped<Identity.UserDirectory>();

        services.AddSingleton<DependencyChecker>();
        services.AddSingleton<IDependencyCheck, PortalDatabaseCheck>();
        return services;
    }
}
