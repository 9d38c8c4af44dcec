using System.Diagnostics;
using AgentPortal.Core.Health;

namespace AgentPortal.Core.Llm;

/// <summary>The LLM gateway answers its model list; optional, so chat being down does not take the portal out of rotation.</summary>
public sealed class LlmGatewayCheck(LlmGateway gateway) : IDependencyCheck
{
    public string Name => "llm-gateway";

    public bool Required => false;

    public bool Configured => gateway.Enabled;

    public async Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var models = await gateway.ListModelsAsync(cancellationToken, fresh: true);
            var latency = Stopwatch.GetElapsedTime(started);
            var version = await gateway.VersionAsync(cancellationToken);
            return new DependencyStatus(Name, true, Required, latency, models.Count == 0 ? "up, but it lists no models" : null, version);
        }
        catch (LlmGatewayException ex)
        {
            return new DependencyStatus(Name, false, Required, Stopwatch.GetElapsedTime(started), ex.Message);
        }
    }
}
