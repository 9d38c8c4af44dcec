using AgentPortal.Core.Agents;
using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>The registry page's filters, as the address carries them (?search=&amp;type=&amp;status=).</summary>
public sealed record AgentFilter(string? Search, string? Type, string? Status);

/// <summary>The registry page: agents filtered by name, type and status, paged on the server.</summary>
public sealed class RegistryViewModel(IAgentRegistry agents, ILogger<RegistryViewModel> logger)
{
    public const int PageSize = 50;

    public static IReadOnlyList<string> TypeChoices { get; } = ["", .. Enum.GetValues<AgentType>().Select(t => t.ToWire())];

    public static IReadOnlyList<string> StatusChoices { get; } = ["", .. Enum.GetValues<AgentStatus>().Select(s => s.ToWire())];

    public string? Error { get; private set; }

    public async Task<GridData<Agent>> LoadAsync(AgentFilter filter, GridState<Agent> state, CancellationToken cancellationToken)
    {
        (var page, Error) = await Paging.LoadAsync(() => agents.ListAsync(new ListAgentsRequest
        {
            Search = string.IsNullOrWhiteSpace(filter.Search) ? null : filter.Search.Trim(),
            Type = AgentEnums.TryParseType(filter.Type, out var type) ? type : null,
            Status = AgentEnums.TryParseStatus(filter.Status, out var status) ? status : null,
            Page = Paging.StorePage(state),
            PageSize = state.PageSize,
        }, cancellationToken), logger, "agents");
        return page;
    }
}
