using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Components.Pages.Admin;

public partial class Admin
{
    private IReadOnlyList<UserSummary>? _users;
    private string? _usersError;
    private StorageOptions _storage = default!;
    private TelemetryOptions _telemetry = default!;

    [Inject]
    public required UserDirectory Users { get; init; }

    [Inject]
    public required PortalPaths Paths { get; init; }

    [Inject]
    public required IOptions<StorageOptions> StorageOptions { get; init; }

    [Inject]
    public required IOptions<TelemetryOptions> TelemetryOptions { get; init; }

    [Inject]
    public required ILogger<Admin> Logger { get; init; }

    protected override async Task OnInitializedAsync()
    {
        _storage = StorageOptions.Value;
        _telemetry = TelemetryOptions.Value;
        await LoadUsersAsync();
    }

    private async Task LoadUsersAsync()
    {
        _usersError = null;
        _users = null;
        try
        {
            _users = await Users.ListAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Listing users failed");
            _usersError = ex.Message;
        }
    }
}
