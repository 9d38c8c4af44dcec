using System.Net;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>GET /observability/health, /usage and /models against a running portal and a loopback gateway.</summary>
public sealed class ObservabilityApiTests : IAsyncLifetime
{
    private FakeLlmGateway _gateway = null!;
    private PortalAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        _gateway = await FakeLlmGateway.StartAsync();
        _app = new PortalAppFactory().With("Llm:BaseUrl", _gateway.BaseUrl).With("Llm:ApiKey", FakeLlmGateway.Key).With("Llm:MaxRetries", "0");
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Health_ListsEveryDependency_WithTheGatewaysVersion_AndRemembersTheLastError()
    {
        using var up = await JsonAsync("/observability/health");
        var dependencies = up.RootElement.GetProperty("dependencies").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!);
        Assert.Equal("ready", up.RootElement.GetProperty("status").GetString());
        Assert.Equal("up", dependencies["registry-database"].GetProperty("status").GetString());
        Assert.Equal("up", dependencies["telemetry-sqlite"].GetProperty("status").GetString());
        var gateway = dependencies["llm-gateway"];
        Assert.Equal("up", gateway.GetProperty("status").GetString());
        Assert.Equal("litellm " + FakeLlmGateway.Version, gateway.GetProperty("version").GetString());
        // Integrations left off are named as such, not as failures.
        Assert.Contains("langflow", up.RootElement.GetProperty("not_configured").EnumerateArray().Select(n => n.GetString()));
        Assert.DoesNotContain("langflow", dependencies.Keys);

        await _gateway.DisposeAsync();
        using var down = await JsonAsync("/observability/health");
        var gatewayDown = down.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "llm-gateway");
        Assert.Equal("down", gatewayDown.GetProperty("status").GetString());
        Assert.Contains("could not be reached", gatewayDown.GetProperty("error").GetString());
        Assert.Contains("could not be reached", gatewayDown.GetProperty("last_error").GetString());
        // The gateway is optional: chat being down does not make the portal unready.
        Assert.Equal("ready", down.RootElement.GetProperty("status").GetString());
        _gateway = await FakeLlmGateway.StartAsync();
    }

    [Fact]
    public async Task Models_AreTheGatewaysWithTheirPrices_AndSayWhichHaveNone()
    {
        using var models = await JsonAsync("/observability/models");

        var byId = models.RootElement.EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!);
        Assert.Equal(FakeLlmGateway.Models.Order(StringComparer.Ordinal), byId.Keys);
        Assert.Equal(0.15m, byId["gpt-4o-mini"].GetProperty("input_per_million").GetDecimal());
        Assert.False(byId["gpt-4o-mini"].GetProperty("unpriced").GetBoolean());
        Assert.True(byId["local-llama-3"].GetProperty("unpriced").GetBoolean());
    }

    [Fact]
    public async Task Usage_GroupsTheOverviewsNumbers_ByAgentModelProjectAndUser()
    {
        var api = _app.CreateApiClient();
        var agent = JsonDocument.Parse(await (await api.PostAsync("/agents/register", Json(new { name = "usage-agent", type = "custom" }))).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var run = JsonDocument.Parse(await (await api.PostAsync($"/agents/{agent}/trace/start", Json(new { input = "q" }))).Content.ReadAsStringAsync()).RootElement.GetProperty("trace_id").GetString();
        var admin = await _app.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/chat/completions", Json(new
        {
            model = "gpt-4o-mini",
            messages = new[] { new { role = "user", content = "Hi" } },
            metadata = new { agent_id = agent, parent_trace_id = run },
        }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/agents/{agent}/trace/end", Json(new { trace_id = run, status = "ok", output = "a" }))).StatusCode);

        using var byAgent = await JsonAsync("/observability/usage");
        var line = byAgent.RootElement.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == agent);
        Assert.Equal(1, line.GetProperty("runs").GetInt64());
        Assert.Equal(1, line.GetProperty("llm_calls").GetInt64());
        Assert.Equal(12, line.GetProperty("input_tokens").GetInt64());
        using var byModel = await JsonAsync("/observability/usage?group_by=model");
        var model = Assert.Single(byModel.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal("gpt-4o-mini", model.GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, model.GetProperty("runs").ValueKind);
        using var byUser = await JsonAsync("/observability/usage?group_by=user");
        var caller = Assert.Single(byUser.RootElement.GetProperty("groups").EnumerateArray());
        Assert.Equal(PortalAppFactory.AdminEmail, caller.GetProperty("key").GetString());
        Assert.Equal(1, caller.GetProperty("llm_calls").GetInt64());
        Assert.Equal(model.GetProperty("cost").GetDecimal(), caller.GetProperty("cost").GetDecimal());
        using var byProject = await JsonAsync("/observability/usage?group_by=project");
        Assert.Equal("default-project", Assert.Single(byProject.RootElement.GetProperty("groups").EnumerateArray()).GetProperty("key").GetString());

        // The same figures the overview shows.
        var overview = await _app.Services.GetRequiredService<AgentPortal.Core.Monitoring.UsageOverviewService>()
            .GetAsync(byAgent.RootElement.GetProperty("from").GetDateTime().ToUniversalTime(), byAgent.RootElement.GetProperty("to").GetDateTime().ToUniversalTime(), CancellationToken.None);
        Assert.Equal(overview.Current.LlmCalls, byAgent.RootElement.GetProperty("totals").GetProperty("llm_calls").GetInt64());
        Assert.Equal(overview.Current.Cost, byAgent.RootElement.GetProperty("totals").GetProperty("cost").GetDecimal());
    }

    [Fact]
    public async Task Usage_OfAnotherProjectsKey_ShowsOnlyItsProject_AndBadGroupingsAre400()
    {
        _ = _app.Server;
        var otherKey = (await _app.Services.GetRequiredService<ApiKeyService>().CreateAsync("other-project", ApiKeyScopes.Read | ApiKeyScopes.Ingest, "other", CancellationToken.None)).Secret;
        await _app.CreateApiClient().PostAsync("/agents/register", Json(new { name = "default-agent", type = "custom" }));
        var other = _app.CreateApiClient(otherKey);
        await other.PostAsync("/agents/register", Json(new { name = "other-agent", type = "custom" }));

        using var usage = JsonDocument.Parse(await other.GetStringAsync("/observability/usage"));
        Assert.Equal(["other-agent"], usage.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));

        Assert.Equal(HttpStatusCode.BadRequest, (await other.GetAsync("/observability/usage?group_by=colour")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClientWithoutRedirects().GetAsync("/observability/usage")).StatusCode);
    }

    private async Task<JsonDocument> JsonAsync(string path)
    {
        var response = await _app.CreateApiClient().GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
