using System.Security.Claims;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Integrations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Runs a Langflow flow or a Flowise chatflow as a portal agent: <c>POST /runners/langflow/{flow_id}/run</c>
/// and <c>POST /runners/flowise/{chatflow_id}/run</c> with <c>{"input": "…"}</c>. The agent is registered on
/// first use; the run is recorded either way, and a failure names its trace.
/// </summary>
public static class RunnersApi
{
    public static IEndpointRouteBuilder MapRunnersApi(this IEndpointRouteBuilder app)
    {
        var runners = app.MapMachineApi("/runners").RequireAuthorization(ApiAuthentication.ChatPolicy);
        runners.MapPost("/{kind}/{id}/run", RunAsync);
        return app;
    }

    internal static async Task<Ok<RunnerReply>> RunAsync(string kind, string id, HttpRequest request, ClaimsPrincipal user, AgentRunner runner, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        using var body = await JsonRequest.ReadAsync(request, api.Value.MaxBodyBytes, allowEmpty: false, cancellationToken);
        var input = body.String("input", required: true, maxLength: 64 * 1024);
        if (!Enum.TryParse<RunnerKind>(kind, ignoreCase: true, out var runnerKind) || int.TryParse(kind, out _))
        {
            body.Error("kind", $"'{kind}' is not a runner; use langflow or flowise.");
        }
        body.ThrowIfInvalid();
        var run = await runner.RunAsync(runnerKind, id, input!, user.CallerProject() ?? Agent.DefaultProject, cancellationToken);
        return TypedResults.Ok(new RunnerReply(run.AgentId, run.AgentName, run.TraceId, "ok", run.Output, Math.Round(run.DurationMilliseconds, 1)));
    }

    internal sealed record RunnerReply(string AgentId, string AgentName, string TraceId, string Status, string Output, double DurationMs);
}
