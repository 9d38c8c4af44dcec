using AgentPortal.Core.Configuration;
using AgentPortal.Dashboard.Hosting;

try
{
    var app = DashboardApplication.Create(args);
    await app.InitializeAsync();
    await app.RunAsync();
    return 0;
}
catch (PortalConfigurationException ex)
{
    // Printed without a logger so the whole list reads as one message, before logging is set up.
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}
