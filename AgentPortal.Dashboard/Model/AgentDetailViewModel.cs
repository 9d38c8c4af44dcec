using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;

namespace AgentPortal.Dashboard.Model;

/// <summary>One agent's page: its summary, hourly charts and top errors for a period, and the changes an Operator may make.</summary>
public sealed class AgentDetailViewModel(AgentActivityService activity, IAgentRegistry agents, ILogger<AgentDetailViewModel> logger)
{
    public const int TopErrorCount = 5;

    public static IReadOnlyList<string> StatusChoices { get; } = ["", "ok", "error", "running"];

    public Loadable<AgentPageData> Page { get; } = new(logger, "the agent page");

    public Period? Period { get; private set; }

    /// <summary>The run list's status filter from the address; anything unknown is "all".</summary>
    public string StatusKey { get; private set; } = "";

    public RunStatus? Status => RunStatuses.ParseOrNull(StatusKey);

    public bool Saving { get; private set; }

    public Agent? Agent => Page.Value?.Summary.Agent;

    /// <summary>Loaded, and there is no agent with this id.</summary>
    public bool NotFound => Page.State == LoadState.Loaded && Page.Value is null;

    public IReadOnlyList<DateTime> Hours => Page.Value is { } page ? HourlyChartModel.Hours(page.Hourly) : [];

    public static string ParseStatus(string? status) => status is "ok" or "error" or "running" ? status : "";

    public Task LoadAsync(string agentId, Period period, string? status, bool quiet = false)
    {
        Period = period;
        StatusKey = ParseStatus(status);
        return Page.LoadAsync(async cancellationToken => Guid.TryParse(agentId, out _)
            ? await activity.GetPageAsync(agentId, period.From, period.To, TopErrorCount, cancellationToken)
            : null, quiet);
    }

    public IReadOnlyList<ChartLine> RunsAndErrors => Lines((UiText.AgentPage.RunsSeries, p => p.Runs), (UiText.AgentPage.ErrorsSeries, p => p.Errors));

    public IReadOnlyList<ChartLine> Latency => Lines((UiText.AgentPage.P50Series, p => p.P50Milliseconds ?? 0), (UiText.AgentPage.P95Series, p => p.P95Milliseconds ?? 0));

    public IReadOnlyList<ChartLine> Tokens => Lines((UiText.AgentPage.Tokens, p => p.Tokens));

    public IReadOnlyList<ChartLine> Cost => Lines((UiText.AgentPage.CostSeries, p => p.CostForChart));

    /// <summary>Saves a change to the agent; returns the confirmation, or throws with what went wrong.</summary>
    public async Task<string> ChangeAsync(UpdateAgentRequest request, string done)
    {
        Saving = true;
        try
        {
            var agent = await agents.UpdateAsync(Agent!.Id, request, CancellationToken.None);
            Replace(agent);
            return done;
        }
        finally
        {
            Saving = false;
        }
    }

    public Task<string> SetMonitoringAsync(bool enabled) => ChangeAsync(new UpdateAgentRequest { MonitoringEnabled = enabled },
        enabled ? UiText.AgentPage.MonitoringOn : UiText.AgentPage.MonitoringOff);

    public Task<string> ToggleStatusAsync() => Agent!.Status == AgentStatus.Active
        ? ChangeAsync(new UpdateAgentRequest { Status = AgentStatus.Inactive }, UiText.AgentPage.Deactivated)
        : ChangeAsync(new UpdateAgentRequest { Status = AgentStatus.Active }, UiText.AgentPage.Activated);

    /// <summary>Shows an agent saved elsewhere (the edit dialog) without reloading the page.</summary>
    public void Replace(Agent agent)
    {
        if (Page.Value is { } page)
        {
            Page.Set(page with { Summary = page.Summary with { Agent = agent } });
        }
    }

    private IReadOnlyList<ChartLine> Lines(params (string Name, Func<HourlyPoint, double> Value)[] series) =>
        Page.Value is { } page ? [.. series.Select(s => HourlyChartModel.Line(s.Name, page.Hourly, s.Value))] : [];
}
