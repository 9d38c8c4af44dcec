using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>One agent platform the portal runs agents on.</summary>
public sealed class UpstreamOptions
{
    /// <summary>Its base URL, e.g. http://langflow:7860. Empty: not configured.</summary>
    public string? Url { get; set; }

    /// <summary>Its API key (Langflow: x-api-key; Flowise: Bearer). Never logged or shown.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one run may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Langflow only: the id of the flow's model component (e.g. LiteLLMModel-x1y2z) that gets the agent
    /// and run as <c>model_kwargs.metadata</c> tweaks, so its gateway calls are linked to the run.
    /// </summary>
    public string? ModelComponent { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);
}

/// <summary>The agent platforms whose agents the portal can run: Langflow flows, Flowise chatflows and AutoGen Studio teams.</summary>
public sealed class IntegrationOptions
{
    public const string SectionName = "Integrations";

    public UpstreamOptions Langflow { get; set; } = new();

    public UpstreamOptions Flowise { get; set; } = new();

    /// <summary>A team served by <c>autogenstudio serve --team team.json</c> (one team per URL).</summary>
    public UpstreamOptions AutoGen { get; set; } = new();

    public IEnumerable<(string Key, UpstreamOptions Upstream, string Example)> All =>
        [("Langflow", Langflow, "http://langflow:7860"), ("Flowise", Flowise, "http://flowise:3000"), ("AutoGen", AutoGen, "http://autogen-team:8084")];
}

public sealed class ValidateIntegrationOptions : IValidateOptions<IntegrationOptions>
{
    public ValidateOptionsResult Validate(string? name, IntegrationOptions options)
    {
        var problems = new ConfigurationProblems();
        foreach (var (key, upstream, example) in options.All)
        {
            if (upstream.Enabled && (!Uri.TryCreate(upstream.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                problems.Add($"Integrations:{key}:Url", $"{ConfigurationProblems.Quote(upstream.Url)} is not an http(s) URL.", $"the {key} base URL, or empty when it is not used", example);
            }
            if (upstream.Timeout < TimeSpan.FromSeconds(1) || upstream.Timeout > TimeSpan.FromHours(1))
            {
                problems.Add($"Integrations:{key}:Timeout", $"{upstream.Timeout} is out of range.", "00:00:01 to 01:00:00", "00:02:00");
            }
        }
        return problems.ToResult();
    }
}
