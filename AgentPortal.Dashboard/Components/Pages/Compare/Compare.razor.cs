using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Compare;

public partial class Compare : PeriodPage
{
    private static readonly string[] s_colours = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa"];

    private static readonly (string Title, string Property, bool SkipEmpty)[] s_charts =
    [
        (UiText.ComparePage.RunsPerHour, nameof(HourlyPoint.Runs), false),
        (UiText.ComparePage.ErrorsPerHour, nameof(HourlyPoint.Errors), false),
        (UiText.ComparePage.P95PerHour, nameof(HourlyPoint.P95Milliseconds), true),
        (UiText.ComparePage.CostPerHour, nameof(HourlyPoint.CostForChart), false),
    ];

    private Period _period = Period.Resolve(null, null, null, DateTime.UtcNow);
    private IReadOnlyList<Agent> _agents = [];
    private IReadOnlyList<AgentComparison> _compared = [];
    private string? _error;
    private string? _notice;
    private bool _loading = true;

    /// <summary>Agent ids, comma-separated, in the order chosen.</summary>
    [SupplyParameterFromQuery(Name = "agents")]
    public string? AgentIds { get; set; }

    [Inject]
    public required AgentComparisonService Comparison { get; init; }

    [Inject]
    public required IAgentRegistry Registry { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<Compare> Logger { get; init; }

    private IReadOnlyList<string> Requested => (AgentIds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();

    private IEnumerable<string> Selected => Requested.Take(UiText.ComparePage.MaxAgents);

    private static string Colour(int index) => s_colours[index % s_colours.Length];

    protected override Task OnParametersSetAsync() => LoadAsync();

    private Task LoadAsync() => LoadAsync(quiet: false);

    private Task RefreshAsync() => LoadAsync(quiet: true);

    private async Task LoadAsync(bool quiet)
    {
        _error = null;
        _loading = !quiet;
        try
        {
            _period = RequestedPeriod();
            if (_agents.Count == 0)
            {
                _agents = (await Registry.ListAsync(new ListAgentsRequest { PageSize = 500 }, CancellationToken.None)).Items;
            }
            var selected = Selected.ToList();
            _compared = await Comparison.CompareAsync(selected, _period.From, _period.To, CancellationToken.None);
            _notice = Requested.Count > UiText.ComparePage.MaxAgents ? UiText.ComparePage.TooMany
                : _compared.Count < selected.Count ? UiText.ComparePage.Unknown
                : null;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Comparing agents failed");
            _error = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    private void OnAgentsChanged(object value)
    {
        var ids = value is IEnumerable<string> chosen ? chosen.ToList() : [];
        Navigation.SetQuery("agents", string.Join(",", ids));
    }
}
