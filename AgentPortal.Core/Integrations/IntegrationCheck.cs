using System.Diagnostics;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Health;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Integrations;

/// <summary>
/// A runner platform answers its health endpoint (Langflow <c>GET /health</c>, Flowise
/// <c>GET /api/v1/ping</c>, an AutoGen Studio team server's <c>GET /docs</c>); optional, and not listed when not configured.
/// </summary>
public sealed class IntegrationCheck(RunnerKind kind, IOptions<IntegrationOptions> options, IHttpClientFactory clients) : IDependencyCheck
{
    private UpstreamOptions Upstream => RunnerInfo.Of(kind).Upstream(options.Value);

    public string Name => RunnerInfo.Of(kind).Prefix;

    public bool Required => false;

    public bool Configured => Upstream.Enabled;

    public async Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await clients.CreateClient(AgentRunner.HttpClientName)
                .GetAsync(AgentRunner.Url(Upstream, RunnerInfo.Of(kind).HealthPath), cancellationToken);
            var latency = Stopwatch.GetElapsedTime(started);
            return response.IsSuccessStatusCode
                ? new DependencyStatus(Name, true, Required, latency, null)
                : new DependencyStatus(Name, false, Required, latency, $"{kind} at {AgentRunner.Describe(Upstream)} answered HTTP {(int)response.StatusCode}");
        }
        catch (HttpRequestException ex)
        {
            return new DependencyStatus(Name, false, Required, Stopwatch.GetElapsedTime(started), $"{kind} at {AgentRunner.Describe(Upstream)} could not be reached: {ex.Message}");
        }
    }
}
