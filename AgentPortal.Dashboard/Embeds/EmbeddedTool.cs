using AgentPortal.Core.Configuration;

namespace AgentPortal.Dashboard.Embeds;

/// <summary>One tool the portal embeds: where its page and proxy live, who may open it, and its upstream settings.</summary>
public sealed record EmbeddedTool(string Key, string Name, string Section, bool AdminOnly, EmbedTarget Target, string Description)
{
    /// <summary>Where the proxy serves the tool, under the portal's origin: /embed/langfuse.</summary>
    public string ProxyPath => $"{EmbedProxy.PathPrefix}/{Key}";

    /// <summary>The portal page that frames it: /tools/langfuse.</summary>
    public string PagePath => $"/tools/{(Key == "kong-admin" ? "kong" : Key)}";

    public Uri? Upstream => Target.Enabled && Uri.TryCreate(Target.Url!.TrimEnd('/') + "/", UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>The settings to add when the tool is not configured, as environment variables, with examples.</summary>
    public IReadOnlyList<(string Variable, string Example)> SettingsToSet => Key switch
    {
        "langfuse" =>
        [
            ($"{Variable("Url")}", "http://langfuse:3000"),
            ($"{Variable("ServiceAccountEmail")}", "portal@example.com"),
            ($"{Variable("ServiceAccountPassword")}", "<the service account's password>"),
            ($"{Variable("PublicKey")}", "pk-lf-…"),
            ($"{Variable("SecretKey")}", "sk-lf-…"),
        ],
        "helicone" =>
        [
            ($"{Variable("Url")}", "http://helicone:3000"),
            ($"{Variable("ApiKey")}", "sk-helicone-…"),
        ],
        _ =>
        [
            ($"{Variable("Url")}", "http://kong:8002"),
            ($"{Variable("AdminToken")}", "<Kong-Admin-Token, when Kong RBAC is on>"),
        ],
    };

    private string Variable(string key) => ConfigurationProblems.ToEnvironmentVariable($"{Section}:{key}");
}

/// <summary>The embedded tools, from <see cref="EmbedOptions"/>.</summary>
public sealed class EmbeddedTools(Microsoft.Extensions.Options.IOptions<EmbedOptions> options)
{
    public IReadOnlyList<EmbeddedTool> All { get; } =
    [
        new("langfuse", "Langfuse", "Embeds:Langfuse", false, options.Value.Langfuse, "Traces, prompts and evaluations in Langfuse."),
        new("helicone", "Helicone", "Embeds:Helicone", false, options.Value.Helicone, "Request logs and costs in Helicone."),
        new("kong-admin", "Kong admin", "Embeds:KongAdmin", true, options.Value.KongAdmin, "Kong's admin UI: routes, services, plugins and consumers."),
    ];

    public EmbeddedTool? Find(string key) => All.FirstOrDefault(t => t.Key == key);
}
