using System.Security.Claims;
using AgentPortal.Core.Health;
using AgentPortal.Core.Llm;
using AgentPortal.Core.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// The observability API for scripts and other dashboards: every dependency's health, usage over a
/// period grouped by agent, model, project (the overview's numbers) or caller, and the gateway's models with
/// their prices. People with any role, and API keys with the read scope (limited to their project).
/// </summary>
public static class ObservabilityApi
{
    private static readonly string[] s_groups = ["agent", "model", "project", "user"];

    public static IEndpointRouteBuilder MapObservabilityApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapMachineApi("/observability").RequireAuthorization(ApiAuthentication.ReadPolicy);
        group.MapGet("/health", HealthAsync);
        group.MapGet("/usage", UsageAsync);
        group.MapGet("/models", ModelsAsync);
        return app;
    }

    internal static async Task<Ok<ObservabilityHealthReply>> HealthAsync(DependencyChecker checker, IEnumerable<IDependencyCheck> checks, TimeProvider time, CancellationToken cancellationToken)
    {
        var statuses = await checker.CheckAllAsync(cancellationToken);
        return TypedResults.Ok(new ObservabilityHealthReply(
            statuses.All(s => s.Up || !s.Required) ? "ready" : "not_ready",
            time.GetUtcNow().UtcDateTime,
            [.. statuses.Select(s =>
            {
                var last = checker.LastFailure(s.Name);
                return new DependencyHealthReply(s.Name, s.Up ? "up" : "down", s.Required, Math.Round(s.Latency.TotalMilliseconds, 1), s.Version, s.Error, last?.Error, last?.At);
            })],
            [.. checks.Where(c => !c.Configured).Select(c => c.Name).Order(StringComparer.Ordinal)]));
    }

    internal static async Task<Ok<UsageReply>> UsageAsync(HttpRequest request, ClaimsPrincipal user, UsageOverviewService usage, TimeProvider time, CancellationToken cancellationToken)
    {
        var query = new QueryReader(request.Query);
        var groupBy = query.String("group_by", 16) ?? "agent";
        if (!s_groups.Contains(groupBy))
        {
            query.Error("group_by", $"'{groupBy}' is not a grouping; use one of: {string.Join(", ", s_groups)}.");
        }
        var (from, to) = AgentsApi.ReadRange(query, time);
        var overview = await usage.GetAsync(from, to, cancellationToken, user.CallerProject());
        IReadOnlyList<UsageGroupReply> groups = groupBy switch
        {
            "user" => [.. (await usage.GetByUserAsync(from, to, cancellationToken, user.CallerProject()))
                .Select(u => new UsageGroupReply(u.User, u.User.Length == 0 ? "(no user)" : u.User, null, u.LlmCalls, null, u.InputTokens, u.OutputTokens, u.Cost, null))],
            "model" => [.. overview.Models.Select(m => new UsageGroupReply(m.Model, m.Model, null, m.LlmCalls, null, m.InputTokens, m.OutputTokens, m.Cost, null))],
            "project" => [.. overview.Agents.GroupBy(a => a.ProjectId).Select(g => new UsageGroupReply(g.Key, g.Key, g.Sum(a => a.Runs), g.Sum(a => a.LlmCalls), g.Sum(a => a.Errors),
                g.Sum(a => a.InputTokens), g.Sum(a => a.OutputTokens), g.Any(a => a.Cost is not null) ? g.Sum(a => a.Cost ?? 0) : null, null)).OrderByDescending(g => g.Runs)],
            _ => [.. overview.Agents.Select(a => new UsageGroupReply(a.AgentId, a.Name, a.Runs, a.LlmCalls, a.Errors, a.InputTokens, a.OutputTokens, a.Cost,
                a.P95Milliseconds is { } p95 ? Math.Round(p95, 1) : null))],
        };
        var totals = overview.Current;
        return TypedResults.Ok(new UsageReply(overview.From, overview.To, groupBy,
            new UsageTotalsReply(totals.Runs, totals.LlmCalls, totals.Errors, Math.Round(totals.ErrorRate, 4), totals.LlmErrors, Math.Round(totals.LlmErrorRate, 4), totals.Tokens, totals.Cost, "USD"), groups));
    }

    internal static async Task<Ok<IReadOnlyList<ModelOfferReply>>> ModelsAsync(ModelCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ModelOfferReply>>([.. (await catalog.ListAsync(cancellationToken))
            .Select(m => new ModelOfferReply(m.Id, m.InputPerMillion, m.OutputPerMillion, m.CachedInputPerMillion, m.Unpriced))]);

    /// <param name="NotConfigured">Optional integrations left off (not an error): the LLM gateway, Langflow, Flowise, AutoGen, forwarding.</param>
    internal sealed record ObservabilityHealthReply(string Status, DateTime CheckedAt, IReadOnlyList<DependencyHealthReply> Dependencies, IReadOnlyList<string> NotConfigured);

    internal sealed record DependencyHealthReply(string Name, string Status, bool Required, double LatencyMs, string? Version, string? Error, string? LastError, DateTime? LastErrorAt);

    internal sealed record UsageReply(DateTime From, DateTime To, string GroupBy, UsageTotalsReply Totals, IReadOnlyList<UsageGroupReply> Groups);

    internal sealed record UsageTotalsReply(long Runs, long LlmCalls, long Errors, double ErrorRate, long LlmErrors, double LlmErrorRate, long Tokens, decimal? Cost, string CostCurrency);

    /// <param name="Runs">Null when grouping by model: runs are not made by a model.</param>
    internal sealed record UsageGroupReply(string Key, string Name, long? Runs, long LlmCalls, long? Errors, long InputTokens, long OutputTokens, decimal? Cost, double? P95Ms);

    internal sealed record ModelOfferReply(string Id, decimal? InputPerMillion, decimal? OutputPerMillion, decimal? CachedInputPerMillion, bool Unpriced);
}
