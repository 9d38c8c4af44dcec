using AgentPortal.Core.Agents;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Traces;

public partial class Traces
{
    private static readonly string[] s_statuses = ["", "ok", "error", "running"];

    private TimeRange _range = TimeRange.Default;
    private DateTime _from;
    private DateTime _to;
    private IReadOnlyList<Agent> _agents = [];
    private string? _error;

    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeKey { get; set; }

    [SupplyParameterFromQuery(Name = "agent")]
    public string? AgentFilter { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? StatusFilter { get; set; }

    [SupplyParameterFromQuery(Name = "search")]
    public string? Search { get; set; }

    [Inject]
    public required IAgentRegistry Registry { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private RunStatus? Status => RunStatuses.ParseOrNull(StatusFilter);

    protected override async Task OnParametersSetAsync()
    {
        _range = TimeRange.Parse(RangeKey);
        var now = Time.GetUtcNow().UtcDateTime;
        (_from, _to) = (now - _range.Length, now.AddMinutes(1));
        if (_agents.Count == 0)
        {
            try
            {
                _agents = (await Registry.ListAsync(new ListAgentsRequest { PageSize = 500 }, CancellationToken.None)).Items;
            }
            catch (Exception ex)
            {
                _error = ex.Message;
            }
        }
    }
}
