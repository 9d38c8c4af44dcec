using AgentPortal.Core.Agents;
using AgentPortal.Core.Monitoring;

namespace AgentPortal.Dashboard.Model;

/// <summary>The choices of the traces page's filters: the registered agents and the models used in the period.</summary>
public sealed record TraceFilterChoices(IReadOnlyList<Agent> Agents, IReadOnlyList<string> Models);

/// <summary>The traces page: runs of every agent, searched by agent, status, model, name and text.</summary>
public sealed class TracesViewModel(IAgentRegistry registry, AgentActivityService activity, ILogger<TracesViewModel> logger)
{
    public const int MaxAgentChoices = 500;

    private IReadOnlyList<Agent>? _agents;

    public Loadable<TraceFilterChoices> Choices { get; } = new(logger, "the trace filters");

    public Task LoadAsync(Period period, string? model) => Choices.LoadAsync(async cancellationToken =>
    {
        _agents ??= (await registry.ListAsync(new ListAgentsRequest { PageSize = MaxAgentChoices }, cancellationToken)).Items;
        var models = await activity.ListModelsAsync(period.From, period.To, cancellationToken);
        // A model from a shared link stays choosable even when this period has no calls to it.
        return new TraceFilterChoices(_agents, string.IsNullOrEmpty(model) || models.Contains(model) ? models : [.. models, model]);
    }, quiet: true);
}
