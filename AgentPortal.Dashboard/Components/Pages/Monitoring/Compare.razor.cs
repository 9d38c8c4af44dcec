using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class Compare : PeriodPage
{
    private Period _period = default!;

    /// <summary>Agent ids, comma-separated, in the order chosen.</summary>
    [SupplyParameterFromQuery(Name = "agents")]
    public string? AgentIds { get; set; }

    [Inject]
    public required CompareViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    private IReadOnlyCollection<string> Selected => [.. CompareViewModel.Requested(AgentIds).Take(UiText.ComparePage.MaxAgents)];

    protected override Task OnParametersSetAsync() => LoadAsync(quiet: false);

    private Task RefreshAsync() => LoadAsync(quiet: true);

    private Task LoadAsync(bool quiet)
    {
        _period = RequestedPeriod();
        return ViewModel.LoadAsync(AgentIds, _period, quiet);
    }

    private string AgentName(string id) => ViewModel.Compared.Value?.Choices.FirstOrDefault(a => a.Id == id)?.Name ?? id;

    private void OnAgentsChanged(IEnumerable<string>? ids) => Navigation.SetQuery("agents", string.Join(",", ids ?? []));
}
