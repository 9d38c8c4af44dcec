using AgentPortal.Core.Health;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Controls;

/// <summary>Up/down and latency of every store and service the portal depends on, re-checked on demand.</summary>
public partial class DependencyHealthPanel
{
    private IReadOnlyList<DependencyStatus>? _statuses;
    private string? _error;
    private DateTimeOffset? _checkedAt;
    private bool _checking;

    [Inject]
    public required DependencyChecker Checker { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required ILogger<DependencyHealthPanel> Logger { get; init; }

    protected override Task OnInitializedAsync() => CheckAsync();

    private async Task CheckAsync()
    {
        _checking = true;
        _error = null;
        try
        {
            _statuses = await Checker.CheckAllAsync(CancellationToken.None);
            _checkedAt = Time.GetUtcNow();
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Dependency check failed");
            _error = ex.Message;
        }
        finally
        {
            _checking = false;
        }
    }
}
