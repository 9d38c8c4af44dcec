using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class AgentDetail
{
    private AgentSummary? _summary;
    private IReadOnlyList<HourlyPoint> _hourly = [];
    private IReadOnlyList<HourlyPoint> _latency = [];
    private string? _error;
    private bool _loading = true;
    private TimeRange _range = TimeRange.Default;
    private string? _status;
    private bool _saving;
    private DateTime _from;
    private DateTime _to;

    [Parameter]
    public required string AgentId { get; set; }

    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeKey { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? StatusFilter { get; set; }

    [Inject]
    public required AgentActivityService Activity { get; init; }

    [Inject]
    public required AgentPortal.Core.Agents.IAgentRegistry Agents { get; init; }

    [Inject]
    public required Radzen.NotificationService Notifications { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required ILogger<AgentDetail> Logger { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _range = TimeRange.Parse(RangeKey);
        _status = StatusFilter is "ok" or "error" or "running" ? StatusFilter : null;
        await LoadAsync();
    }

    private RunStatus? RunStatusFilter => RunStatuses.ParseOrNull(_status);

    private async Task LoadAsync()
    {
        _error = null;
        _loading = true;
        try
        {
            var to = Time.GetUtcNow().UtcDateTime;
            (_from, _to) = (to - _range.Length, to.AddMinutes(1));
            _summary = Guid.TryParse(AgentId, out _) ? await Activity.GetSummaryAsync(AgentId, to - _range.Length, to, CancellationToken.None) : null;
            if (_summary is not null)
            {
                _hourly = await Activity.GetHourlyAsync(AgentId, to - _range.Length, to, CancellationToken.None);
                // Hours without runs have no latency: leave them out of the lines rather than drawing zeros.
                _latency = [.. _hourly.Where(h => h.P50Milliseconds is not null)];
            }
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Loading agent {AgentId} failed", AgentId);
            _error = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    private Task SetMonitoringAsync(bool enabled) =>
        UpdateAsync(new AgentPortal.Core.Agents.UpdateAgentRequest { MonitoringEnabled = enabled },
            enabled ? UiText.AgentPage.MonitoringOn : UiText.AgentPage.MonitoringOff);

    private Task ToggleStatusAsync() => _summary!.Agent.Status == AgentPortal.Core.Agents.AgentStatus.Active
        ? UpdateAsync(new AgentPortal.Core.Agents.UpdateAgentRequest { Status = AgentPortal.Core.Agents.AgentStatus.Inactive }, UiText.AgentPage.Deactivated)
        : UpdateAsync(new AgentPortal.Core.Agents.UpdateAgentRequest { Status = AgentPortal.Core.Agents.AgentStatus.Active }, UiText.AgentPage.Activated);

    private async Task UpdateAsync(AgentPortal.Core.Agents.UpdateAgentRequest request, string done)
    {
        _saving = true;
        try
        {
            var agent = await Agents.UpdateAsync(AgentId, request, CancellationToken.None);
            _summary = _summary! with { Agent = agent };
            Notifications.Notify(Radzen.NotificationSeverity.Success, done, duration: 4_000);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Updating agent {AgentId} failed", AgentId);
            Notifications.Notify(Radzen.NotificationSeverity.Error, UiText.AgentPage.UpdateFailed, ex.Message, duration: 8_000);
        }
        finally
        {
            _saving = false;
        }
    }

    private string HourLabel(object value) => value is DateTime hour
        ? hour.ToString(_range.Length > TimeSpan.FromDays(1) ? "MM-dd HH:00" : "HH:00", System.Globalization.CultureInfo.InvariantCulture)
        : value.ToString() ?? "";
}
