using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>Builds the web application; shared by Program and the test fixtures.</summary>
public static class DashboardApplication
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddDashboardServices();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseDashboardPipeline();
        return app;
    }

    /// <summary>
    /// Checks the whole configuration before touching the disk, then creates the data folder,
    /// migrates, and creates the first administrator.
    /// </summary>
    public static async Task InitializeAsync(this WebApplication app, CancellationToken cancellationToken = default)
    {
        app.Services.GetRequiredService<StartupConfigurationCheck>().ThrowIfInvalid(app.Services);
        app.Services.GetRequiredService<PortalPaths>().EnsureDataDirectory();

        BootstrapOutcome outcome;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            outcome = await scope.ServiceProvider.GetRequiredService<PortalDatabaseInitializer>().InitializeAsync(cancellationToken);
        }

        app.Lifetime.ApplicationStarted.Register(() => PrintWelcome(app, outcome));
    }

    private static void PrintWelcome(WebApplication app, BootstrapOutcome outcome)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var signIn = addresses.FirstOrDefault() is { } first ? $"{first.TrimEnd('/')}/account/login" : "/account/login";
        var dataFolder = app.Services.GetRequiredService<PortalPaths>().DataDirectory;

        // Written to the console, not the log: a generated password must be seen once and must not
        // reach log files or collectors.
        var text = new System.Text.StringBuilder()
            .AppendLine()
            .AppendLine($"AgentPortal is listening on {string.Join(", ", addresses)}")
            .AppendLine($"  Sign in at {signIn}")
            .AppendLine($"  Data folder: {dataFolder}");
        if (outcome.CreatedAdminEmail is not null)
        {
            text.AppendLine($"  First administrator: {outcome.CreatedAdminEmail}");
            if (outcome.GeneratedPassword is not null)
            {
                text.AppendLine($"  Generated password (shown only this once, change it after signing in): {outcome.GeneratedPassword}");
            }
        }
        Console.Out.WriteLine(text.ToString());
        Console.Out.Flush();
    }
}
