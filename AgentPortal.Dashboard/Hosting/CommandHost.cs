using AgentPortal.Core.Configuration;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>The portal's services for a command (apikey, backup, migrate, export…): configured as when it runs, checked, not listening, and not logging.</summary>
internal static class CommandHost
{
    public static WebApplication Build(string[] configuration)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = configuration, ContentRootPath = AppContext.BaseDirectory });
        builder.AddDashboardServices();
        // A command's output is what it prints (apikey create's key must be its last line), so nothing is logged.
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Services.GetRequiredService<StartupConfigurationCheck>().ThrowIfInvalid(app.Services);
        return app;
    }
}
