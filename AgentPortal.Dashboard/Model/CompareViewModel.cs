using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;
using AgentPortal.Dashboard.Components;

namespace AgentPortal.Dashboard.Model;

/// <summary>The agents being compared over a period, with why some asked for are not shown.</summary>
public sealed record Comparison(IReadOnlyList<Agent> Choices, IReadOnlyList<AgentComparison> Agents, string? Notice);

/// <summary>The compare page: 2 to 5 agents' figures side by side and their hourly series overlaid.</summary>
public sealed class CompareViewModel(AgentComparisonService comparison, IAgentRegistry registry, ILogger<CompareViewModel> logger)
{
    private IReadOnlyList<Agent>? _choices;

    public Loadable<Comparison> Compared { get; } = new(logger, "the comparison");

    /// <summary>The ids in the address (comma-separated, in the order chosen), without repeats.</summary>
    public static IReadOnlyList<string> Requested(string? agentIds) =>
        [.. (agentIds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>An agent's colour: its swatch and its line on every chart, from the theme's chart colours.</summary>
    public static string Colour(int index) => PortalTheme.ChartColours[index % PortalTheme.ChartColours.Count];

    public Task LoadAsync(string? agentIds, Period period, bool quiet = false) => Compared.LoadAsync(async cancellationToken =>
    {
        _choices ??= (await registry.ListAsync(new ListAgentsRequest { PageSize = TracesViewModel.MaxAgentChoices }, cancellationToken)).Items;
        var requested = Requested(agentIds);
        var selected = requested.Take(UiText.ComparePage.MaxAgents).ToList();
        var compared = await comparison.CompareAsync(selected, period.From, period.To, cancellationToken);
        var notice = requested.Count > UiText.ComparePage.MaxAgents ? UiText.ComparePage.TooMany
            : compared.Count < selected.Count ? UiText.ComparePage.Unknown
            : null;
        return new Comparison(_choices, compared, notice);
    }, quiet);

    public static IReadOnlyList<ChartLine> Lines(IReadOnlyList<AgentComparison> agents, Func<HourlyPoint, double> value) =>
        [.. agents.Select(a => HourlyChartModel.Line(a.Summary.Agent.Name, a.Hourly, value))];
}
