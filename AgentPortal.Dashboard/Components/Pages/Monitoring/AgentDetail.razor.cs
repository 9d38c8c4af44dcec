using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class AgentDetail : PeriodPage
{
    private AgentSummary? _summary;
    private IReadOnlyList<HourlyPoint> _hourly = [];
    private IReadOnlyList<HourlyPoint> _latency = [];
    private string? _error;
    private bool _loading = true;
    private Period _period = Period.Resolve(null, null, null, DateTime.UtcNow);
    private IReadOnlyList<ErrorGroup> _errors = [];
    private AgentPortal.Dashboard.Components.Controls.RunList? _runList;
    private string? _status;
    private bool _saving;

    [Parameter]
    public required string AgentId { get; set; }

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
    public required Radzen.DialogService Dialogs { get; init; }

    [Inject]
    public required ILogger<AgentDetail> Logger { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _status = StatusFilter is "ok" or "error" or "running" ? StatusFilter : null;
        await LoadAsync();
    }

    private RunStatus? RunStatusFilter => RunStatuses.ParseOrNull(_status);

    private Task LoadAsync() => LoadAsync(quiet: false);

    /// <summary>A preset's new end reaches the run list as a parameter, which reloads it; a custom period's list is reloaded here.</summary>
    private async Task RefreshAsync()
    {
        var before = _period;
        await LoadAsync(quiet: true);
        if (_period == before && _runList is not null)
        {
            await _runList.RefreshAsync();
        }
    }

    private async Task LoadAsync(bool quiet)
    {
        _error = null;
        _loading = !quiet;
        try
        {
            _period = RequestedPeriod();
            var (from, to) = (_period.From, _period.To);
            var summary = Guid.TryParse(AgentId, out _) ? await Activity.GetSummaryAsync(AgentId, from, to, CancellationToken.None) : null;
            if (summary is not null)
            {
                _hourly = await Activity.GetHourlyAsync(AgentId, from, to, CancellationToken.None);
                // Hours without runs have no latency: leave them out of the lines rather than drawing zeros.
                _latency = [.. _hourly.Where(h => h.P50Milliseconds is not null)];
                _errors = await Activity.GetTopErrorsAsync(AgentId, from, to, 5, CancellationToken.None);
            }
            _summary = summary;
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

    private async Task EditAsync()
    {
        var updated = await Dialogs.OpenAsync<AgentPortal.Dashboard.Components.Controls.AgentForm>(UiText.AgentForm.EditTitle,
            new Dictionary<string, object?> { ["Agent"] = _summary!.Agent }, new Radzen.DialogOptions { Width = "34rem" });
        if (updated is AgentPortal.Core.Agents.Agent agent)
        {
            _summary = _summary with { Agent = agent };
            Notifications.Notify(Radzen.NotificationSeverity.Success, UiText.AgentForm.Saved, duration: 4_000);
        }
    }

    private string HourLabel(object value) => Display.Hour(value, _period.Length);
}
