using AgentPortal.Core.Configuration;
using AgentPortal.Dashboard.Hosting;

try
{
    if (ApiKeyCommand.Matches(args))
    {
        return await ApiKeyCommand.RunAsync(args);
    }
    if (BackupCommand.Matches(args))
    {
        return await BackupCommand.RunAsync(args);
    }
    if (ExportCommand.Matches(args))
    {
        return await ExportCommand.RunAsync(args);
    }
    if (MigrateCommand.Matches(args))
    {
        return await MigrateCommand.RunAsync(args);
    }
    if (HealthCheckCommand.Matches(args))
    {
        return await HealthCheckCommand.RunAsync(args);
    }

    // appsettings.json sits beside the program, wherever it is started from.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddDashboardServices();

    var app = builder.Build();
    app.UseDashboardPipeline();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (PortalConfigurationException.Find(ex) is { } configuration)
{
    // One message listing every problem, written plainly so it reads the same in any console.
    await Console.Error.WriteLineAsync(configuration.Message);
    return 1;
}

catch (Exception ex) when (ex is AgentPortal.Core.Data.HalfAppliedMigrationException)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}

/// <summary>Entry point; public so test hosts can start the app.</summary>
public partial class Program;
