using AgentPortal.Core.Monitoring;

namespace AgentPortal.Dashboard.Model;

/// <summary>The overview page: the period's usage against the period before, by agent and by model.</summary>
public sealed class OverviewViewModel(UsageOverviewService usage, ILogger<OverviewViewModel> logger)
{
    public Loadable<UsageOverview> Overview { get; } = new(logger, "the usage overview");

    public Period? Period { get; private set; }

    /// <summary>No agent has reported in this period: the page shows how to send a first run.</summary>
    public bool IsEmpty => Overview.Value is { Agents.Count: 0 };

    public Task LoadAsync(Period period, bool quiet = false)
    {
        Period = period;
        return Overview.LoadAsync(async cancellationToken => await usage.GetAsync(period.From, period.To, cancellationToken), quiet);
    }
}
