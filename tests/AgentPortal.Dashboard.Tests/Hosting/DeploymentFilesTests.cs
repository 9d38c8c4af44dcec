using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentPortal.Core.Configuration;
using AgentPortal.Dashboard.Hosting;
using AgentPortal.Dashboard.Tests.Api;
using AgentPortal.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using YamlDotNet.RepresentationModel;

namespace AgentPortal.Dashboard.Tests.Hosting;

/// <summary>
/// The files in docker/ are for users and cannot be run here: they are parsed, and their service
/// names, ports, environment variables and metric names are checked against the code, so renaming
/// a setting or a metric breaks this test instead of a deployment.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string s_docker = Path.Combine(RepositoryRoot(), "docker");

    [Fact]
    public void EveryYamlAndJsonFile_Parses()
    {
        var files = Directory.EnumerateFiles(s_docker, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count >= 15, $"only {files.Count} files");
        foreach (var file in files)
        {
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                using var _ = JsonDocument.Parse(File.ReadAllText(file));
            }
            else
            {
                Assert.NotEmpty(Load(file));
            }
        }
    }

    [Fact]
    public void PortalEnvironmentVariables_NameRealSettings()
    {
        var names = new List<(string File, string Name)>();
        foreach (var compose in new[] { "docker-compose.yml", "docker-compose.full.yml" })
        {
            var environment = Map(Map(Map(Load(Path.Combine(s_docker, compose))[0], "services"), "agentportal"), "environment");
            names.AddRange(environment.Children.Keys.Select(k => (compose, ((YamlScalarNode)k).Value!)));
        }
        var deployment = Load(Path.Combine(s_docker, "k8s", "deployment.yaml"))[0];
        var container = (YamlMappingNode)Seq(Map(Map(Map(deployment, "spec"), "template"), "spec"), "containers")[0];
        names.AddRange(Seq(container, "env").Cast<YamlMappingNode>().Select(e => ("k8s/deployment.yaml", Scalar(e, "name"))));
        var secret = Map(Load(Path.Combine(s_docker, "k8s", "secret.example.yaml"))[0], "stringData");
        names.AddRange(secret.Children.Keys.Select(k => ("k8s/secret.example.yaml", ((YamlScalarNode)k).Value!)));

        var settings = KnownSettings();
        var unknown = names.Where(n => !settings.Any(s => Matches(s, n.Name.Replace("__", ":", StringComparison.Ordinal)))).ToList();
        Assert.True(unknown.Count == 0, "Variables that name no setting: " + string.Join(", ", unknown.Select(u => $"{u.Name} ({u.File})")));
        Assert.Contains(names, n => n.Name == "Storage__Provider");
        Assert.Contains(names, n => n.Name == "Embeds__Langfuse__ServiceAccountPassword");

        // Every secret the deployment reads is in the template.
        var secretKeys = secret.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        var referenced = Seq(container, "env").Cast<YamlMappingNode>().Where(e => e.Children.ContainsKey("valueFrom"))
            .Select(e => Scalar(Map(Map(e, "valueFrom"), "secretKeyRef"), "key"));
        Assert.All(referenced, key => Assert.Contains(key, secretKeys));
    }

    [Fact]
    public void EnvExample_NamesEveryVariableTheFullStackReads_WithAComment()
    {
        var compose = File.ReadAllText(Path.Combine(s_docker, "docker-compose.full.yml"));
        var used = Interpolation().Matches(compose).Select(m => m.Groups[1].Value).ToHashSet();
        var lines = File.ReadAllLines(Path.Combine(s_docker, ".env.example"));
        var example = lines.Where(l => l.Contains('=') && !l.StartsWith('#')).Select(l => l[..l.IndexOf('=')]).ToHashSet();

        Assert.Empty(used.Except(example));
        Assert.Empty(example.Except(used));
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains('=') && !lines[i].StartsWith('#') && (i == 0 || lines[i - 1].Length == 0))
            {
                Assert.Fail($"{lines[i]} in .env.example has no comment above it.");
            }
        }
    }

    [Fact]
    public void ServicesReachEachOther_ByTheNamesAndPortsTheyHave()
    {
        var services = Map(Load(Path.Combine(s_docker, "docker-compose.full.yml"))[0], "services");
        var names = services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var texts = new[] { "docker-compose.full.yml", "config/prometheus.yml", "config/otel-collector.yaml", "config/kong.yml", "config/grafana/provisioning/datasources/prometheus.yml" }
            .Select(f => File.ReadAllText(Path.Combine(s_docker, f)));
        var hosts = texts.SelectMany(t => ServiceAddress().Matches(t)).Select(m => (Host: m.Groups[1].Value, Port: m.Groups[2].Value)).Distinct().ToList();

        Assert.NotEmpty(hosts);
        var known = new Dictionary<string, string[]>
        {
            ["agentportal"] = ["8080", "4317"],
            ["postgres"] = ["5432"],
            ["clickhouse"] = ["8123"],
            ["litellm"] = ["4000"],
            ["langfuse"] = ["3000"],
            ["langfuse-db"] = ["5432"],
            ["kong"] = ["8000", "8001", "8002"],
            ["prometheus"] = ["9090"],
            ["otel-collector"] = ["4317", "4318"],
        };
        foreach (var (host, port) in hosts.Where(h => h.Host is not ("localhost" or "0.0.0.0" or "127.0.0.1")))
        {
            Assert.True(names.Contains(host), $"{host}:{port} names no service of docker-compose.full.yml");
            Assert.True(known.TryGetValue(host, out var ports) && ports.Contains(port), $"{host} does not listen on {port}");
        }
        Assert.Contains(("agentportal", "8080"), hosts);

        var litellm = Map(Map(services, "litellm"), "environment");
        Assert.Equal("http://agentportal:8080/v1/traces", Scalar(litellm, "OTEL_ENDPOINT"));
        Assert.Contains(File.ReadAllLines(Path.Combine(s_docker, "config", "litellm.yaml")), l => l.Contains("callbacks: [\"otel\"]", StringComparison.Ordinal));
    }

    [Fact]
    public void AlertRulesAndTheGrafanaDashboard_UseTheMetricsThePortalExposes()
    {
        var rules = Load(Path.Combine(s_docker, "config", "alert-rules.yml"))[0];
        var expressions = Seq((YamlMappingNode)Seq(rules, "groups").Children.Single(), "rules")
            .Cast<YamlMappingNode>().ToDictionary(r => Scalar(r, "alert"), r => Scalar(r, "expr"));
        Assert.Contains("HighErrorRate", expressions.Keys);
        Assert.Contains("HighCPUUsage", expressions.Keys);

        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_docker, "config", "grafana", "dashboards", "agentportal.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Name: p.GetProperty("title").GetString()!, Expr: t.GetProperty("expr").GetString()!)))
            .ToList();
        Assert.True(panels.Count >= 10);

        var families = MetricsApiTests.Families;
        foreach (var (name, expr) in expressions.Select(e => (e.Key, e.Value)).Concat(panels))
        {
            // agent_type is a label, not a metric.
            var metrics = MetricName().Matches(expr).Select(m => m.Value).Where(m => m != "agent_type").Distinct().ToList();
            Assert.True(metrics.Count > 0, $"{name}: no portal metric in '{expr}'");
            foreach (var metric in metrics)
            {
                var family = Regex.Replace(metric, "_(bucket|sum|count)$", "");
                Assert.True(families.ContainsKey(family), $"{name}: '{metric}' is not a metric the portal exposes");
                Assert.True(!metric.EndsWith("_bucket", StringComparison.Ordinal) || families[family] == "histogram", $"{name}: {metric} on a non-histogram");
            }
        }
        // Every family the portal exposes is on the dashboard.
        Assert.All(families.Keys, family => Assert.Contains(panels, p => p.Expr.Contains(family, StringComparison.Ordinal)));
    }

    [Fact]
    public void Kubernetes_ProbesScalingAndStickySessions_AreAsTheIssueAsks()
    {
        var deployment = Load(Path.Combine(s_docker, "k8s", "deployment.yaml"))[0];
        var pod = Map(Map(Map(deployment, "spec"), "template"), "spec");
        var container = (YamlMappingNode)Seq(pod, "containers")[0];
        Assert.Equal("/health", Scalar(Map(Map(container, "livenessProbe"), "httpGet"), "path"));
        Assert.Equal("/ready", Scalar(Map(Map(container, "readinessProbe"), "httpGet"), "path"));
        Assert.Equal("true", Scalar(Map(pod, "securityContext"), "runAsNonRoot"));
        var ports = Seq(container, "ports").Cast<YamlMappingNode>().Select(p => Scalar(p, "containerPort")).ToList();
        Assert.Equal(["8080", "4317"], ports);

        var hpa = Map(Load(Path.Combine(s_docker, "k8s", "hpa.yaml"))[0], "spec");
        Assert.Equal("3", Scalar(hpa, "minReplicas"));
        Assert.Equal("10", Scalar(hpa, "maxReplicas"));
        var targets = Seq(hpa, "metrics").Cast<YamlMappingNode>().ToDictionary(m => Scalar(Map(m, "resource"), "name"), m => Scalar(Map(Map(m, "resource"), "target"), "averageUtilization"));
        Assert.Equal("70", targets["cpu"]);
        Assert.Equal("80", targets["memory"]);

        var ingress = Map(Map(Load(Path.Combine(s_docker, "k8s", "ingress.yaml"))[0], "metadata"), "annotations");
        Assert.Equal("cookie", Scalar(ingress, "nginx.ingress.kubernetes.io/affinity"));
        foreach (var kind in new[] { "service.yaml", "pdb.yaml", "networkpolicy.yaml" })
        {
            Assert.Contains("agentportal", File.ReadAllText(Path.Combine(s_docker, "k8s", kind)));
        }
    }

    [Fact]
    public void Dockerfile_RunsAsTheImagesUnprivilegedUser_WithAHealthCheckOnHealth()
    {
        var dockerfile = File.ReadAllText(Path.Combine(s_docker, "Dockerfile"));

        Assert.Equal(2, Regex.Matches(dockerfile, "^FROM ", RegexOptions.Multiline).Count);
        Assert.Matches(new Regex(@"^USER \$APP_UID$", RegexOptions.Multiline), dockerfile);
        Assert.Contains("\"healthcheck\", \"http://127.0.0.1:8080/health\"", dockerfile);
        Assert.Contains("EXPOSE 8080 4317", dockerfile);
        Assert.Contains("ASPNETCORE_URLS=http://+:8080", dockerfile);
    }

    [Fact]
    public async Task HealthCheckCommand_ExitsZeroOnlyWhenHealthAnswers200()
    {
        var app = LoopbackApp.Create();
        var healthy = true;
        app.MapGet("/health", () => healthy ? Results.Ok() : Results.StatusCode(503));
        var url = await LoopbackApp.StartAsync(app) + "/health";
        try
        {
            Assert.Equal(0, await HealthCheckCommand.RunAsync(["healthcheck", url]));
            healthy = false;
            Assert.Equal(1, await HealthCheckCommand.RunAsync(["healthcheck", url]));
            Assert.Equal(2, await HealthCheckCommand.RunAsync(["healthcheck", "not a url"]));
        }
        finally
        {
            await LoopbackApp.StopAsync(app);
        }
        Assert.Equal(1, await HealthCheckCommand.RunAsync(["healthcheck", url]));
    }

    /// <summary>Every configuration key the options classes bind, as patterns ('*' for a dictionary key or an array index).</summary>
    private static List<string> KnownSettings()
    {
        var settings = new List<string> { AgentPortal.Dashboard.Api.MetricsApi.TokenKey, "Logging:*" };
        foreach (var type in typeof(ApiOptions).Assembly.GetTypes().Where(t => t.Namespace == typeof(ApiOptions).Namespace))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() is string section)
            {
                AddProperties(settings, section, type, depth: 0);
            }
        }
        return settings;
    }

    private static void AddProperties(List<string> settings, string prefix, Type type, int depth)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{prefix}:{property.Name}";
            var propertyType = property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                var value = propertyType.GetGenericArguments()[1];
                if (value == typeof(string))
                {
                    settings.Add(key + ":*");
                }
                else
                {
                    AddProperties(settings, key + ":*", value, depth + 1);
                }
            }
            else if (propertyType.IsArray)
            {
                settings.Add(key + ":*");
            }
            else if (propertyType.IsClass && propertyType != typeof(string) && depth < 4)
            {
                AddProperties(settings, key, propertyType, depth + 1);
            }
            else
            {
                settings.Add(key);
            }
        }
    }

    private static bool Matches(string pattern, string key) =>
        Regex.IsMatch(key, "^" + Regex.Escape(pattern).Replace("\\*", "[^:]+", StringComparison.Ordinal) + (pattern.EndsWith('*') ? "(:.*)?" : "") + "$", RegexOptions.IgnoreCase);

    private static List<YamlMappingNode> Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(file));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) => (YamlSequenceNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentPortal.Dashboard.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"https?://([a-z0-9\-]+):(\d+)")]
    private static partial Regex ServiceAddress();

    [GeneratedRegex(@"\b(agent|token|model|http|database|system|ingestion|alert)_[a-z_]+\b")]
    private static partial Regex MetricName();
}
