using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Components.Pages.Admin;

public partial class Admin
{
    [Inject]
    public required PortalPaths Paths { get; init; }

    [Inject]
    public required IOptions<StorageOptions> StorageOptions { get; init; }

    [Inject]
    public required IOptions<TelemetryOptions> TelemetryOptions { get; init; }
}
