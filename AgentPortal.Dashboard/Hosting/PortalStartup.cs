using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Security;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>
/// Runs before the server listens, after the configuration was checked (UseDashboardPipeline):
/// creates the data folder, migrates and creates the first administrator. Once listening, prints
/// where to sign in.
/// </summary>
internal sealed class PortalStartup(
    IServiceProvider services,
    IServer server) : IHostedLifecycleService
{
    private BootstrapOutcome _outcome = new(null, null);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var paths = services.GetRequiredService<PortalPaths>();
        paths.EnsureDataDirectory();

        await using (var scope = services.CreateAsyncScope())
        {
            _outcome = await scope.ServiceProvider.GetRequiredService<PortalDatabaseInitializer>().InitializeAsync(cancellationToken);
        }
        await services.GetRequiredService<ITelemetryStore>().InitializeAsync(cancellationToken);
        await services.GetRequiredService<PriceTable>().EnsureDefaultsAsync(cancellationToken);

        var bootstrap = services.GetRequiredService<IOptions<BootstrapOptions>>().Value;
        if (bootstrap.IngestApiKey is { } key)
        {
            await services.GetRequiredService<ApiKeyService>().EnsureAsync(key, bootstrap.IngestApiKeyProject, ApiKeyScopes.Ingest | ApiKeyScopes.Read, cancellationToken);
        }
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        // The OTLP/gRPC endpoint is listened on last (see DashboardServiceExtensions).
        var grpc = !string.IsNullOrWhiteSpace(services.GetRequiredService<IOptions<ApiOptions>>().Value.OtlpGrpcUrl) && addresses.Count > 1 ? addresses[^1] : null;
        var web = grpc is null ? addresses : addresses[..^1];
        var signIn = web.FirstOrDefault() is { } first ? $"{first.TrimEnd('/')}/account/login" : "/account/login";
        var text = new System.Text.StringBuilder()
            .AppendLine()
            .AppendLine($"AgentPortal is listening on {string.Join(", ", web)}")
            .AppendLine($"  Sign in at {signIn}")
            .AppendLine(grpc is null ? "  OTLP/gRPC: off (Api:OtlpGrpcUrl is empty)" : $"  OTLP/gRPC: {grpc}; OTLP/HTTP: POST /v1/traces")
            .AppendLine($"  Data folder: {services.GetRequiredService<PortalPaths>().DataDirectory}");
        if (_outcome.CreatedAdminEmail is not null)
        {
            text.AppendLine($"  First administrator: {_outcome.CreatedAdminEmail}");
            if (_outcome.GeneratedPassword is not null)
            {
                text.AppendLine($"  Generated password (shown only this once; keep it safe): {_outcome.GeneratedPassword}");
            }
        }

        // Written to the console, not the log: a generated password must be seen once and must not
        // reach log files or collectors.
        Console.Out.WriteLine(text.ToString());
        Console.Out.Flush();
        _outcome = new BootstrapOutcome(null, null);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
