using AgentPortal.Core.Health;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentPortal.Dashboard.Api;

/// <summary>Liveness and readiness for load balancers and orchestrators; both anonymous.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => TypedResults.Ok(new HealthReply("alive")))
            .AllowAnonymous()
            .WithName("Health");
        app.MapGet("/ready", GetReadinessAsync)
            .AllowAnonymous()
            .WithName("Ready");
        return app;
    }

    internal static async Task<Results<Ok<ReadinessReply>, JsonHttpResult<ReadinessReply>>> GetReadinessAsync(
        DependencyChecker checker, CancellationToken cancellationToken)
    {
        var statuses = await checker.CheckAllAsync(cancellationToken);
        var ready = statuses.All(s => s.Up || !s.Required);
        var reply = new ReadinessReply(
            ready ? "ready" : "not_ready",
            [.. statuses.Select(s => new DependencyReply(s.Name, s.Up ? "up" : "down", s.Required, Math.Round(s.Latency.TotalMilliseconds, 1), s.Error))]);
        return ready ? TypedResults.Ok(reply) : TypedResults.Json(reply, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    internal sealed record HealthReply(string Status);

    internal sealed record ReadinessReply(string Status, IReadOnlyList<DependencyReply> Dependencies);

    internal sealed record DependencyReply(string Name, string Status, bool Required, double LatencyMs, string? Error);
}
