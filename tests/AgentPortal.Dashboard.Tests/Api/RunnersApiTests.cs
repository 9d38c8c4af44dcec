using System.Net;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>Langflow and Flowise runners against loopback servers that speak their run APIs.</summary>
public sealed class RunnersApiTests : IAsyncLifetime
{
    private FakeRunners _runners = null!;
    private PortalAppFactory _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _runners = await FakeRunners.StartAsync();
        _app = Portal(_runners.BaseUrl, FakeRunners.LangflowKey);
        _client = await ChatClientAsync(_app);
    }

    private static PortalAppFactory Portal(string url, string langflowKey, string timeout = "00:00:10") => new PortalAppFactory()
        .With("Integrations:Langflow:Url", url)
        .With("Integrations:Langflow:ApiKey", langflowKey)
        .With("Integrations:Langflow:Timeout", timeout)
        .With("Integrations:Langflow:ModelComponent", "LiteLLMModel-x1y2z")
        .With("Integrations:Flowise:Url", url)
        .With("Integrations:Flowise:ApiKey", FakeRunners.FlowiseKey)
        .With("Integrations:AutoGen:Url", url);

    private static async Task<HttpClient> ChatClientAsync(PortalAppFactory app)
    {
        _ = app.Server;
        var key = (await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", ApiKeyScopes.Chat, "runner test", CancellationToken.None)).Secret;
        return app.CreateApiClient(key);
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _runners.DisposeAsync();
    }

    [Fact]
    public async Task ALangflowRun_RegistersTheAgent_OpensAndEndsARun_AndPassesTheAgentAndRun()
    {
        using var reply = await RunAsync("langflow", "basic-prompting", HttpStatusCode.OK);

        Assert.Equal("Langflow says: How many orders?", reply.RootElement.GetProperty("output").GetString());
        Assert.Equal("langflow-basic-prompting", reply.RootElement.GetProperty("agent_name").GetString());
        var traceId = reply.RootElement.GetProperty("trace_id").GetString()!;
        var agentId = reply.RootElement.GetProperty("agent_id").GetString()!;
        var (path, body) = Assert.Single(_runners.Received);
        Assert.Equal("/api/v1/run/basic-prompting", path);
        Assert.Equal(traceId, body["session_id"]!.GetValue<string>());
        var metadata = body["tweaks"]!["LiteLLMModel-x1y2z"]!["model_kwargs"]!["metadata"]!;
        Assert.Equal(agentId, metadata["agent_id"]!.GetValue<string>());
        Assert.Equal(traceId, metadata["parent_trace_id"]!.GetValue<string>());

        using var trace = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/traces/{traceId}"));
        var run = trace.RootElement.GetProperty("run");
        Assert.Equal("ok", run.GetProperty("status").GetString());
        Assert.Equal(agentId, run.GetProperty("agent_id").GetString());
        using var agent = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/agents/{agentId}"));
        Assert.Equal("langflow", agent.RootElement.GetProperty("type").GetString());

        // The same flow again is the same agent.
        using var again = await RunAsync("langflow", "basic-prompting", HttpStatusCode.OK);
        Assert.Equal(agentId, again.RootElement.GetProperty("agent_id").GetString());
    }

    [Fact]
    public async Task AFlowiseRun_UsesItsPredictionApi()
    {
        using var reply = await RunAsync("flowise", "c0ffee-42", HttpStatusCode.OK);

        Assert.Equal("Flowise says: How many orders?", reply.RootElement.GetProperty("output").GetString());
        Assert.Equal("flowise-c0ffee-42", reply.RootElement.GetProperty("agent_name").GetString());
        var (path, body) = Assert.Single(_runners.Received);
        Assert.Equal("/api/v1/prediction/c0ffee-42", path);
        Assert.Equal(reply.RootElement.GetProperty("trace_id").GetString(), body["overrideConfig"]!["sessionId"]!.GetValue<string>());
        Assert.Equal(reply.RootElement.GetProperty("agent_id").GetString(), body["overrideConfig"]!["vars"]!["agent_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnAutoGenTeam_RunsThroughItsPredictEndpoint_AndAFailedTaskIsAnErrorRun()
    {
        using var reply = await RunAsync("autogen", "research-team", HttpStatusCode.OK);

        Assert.Equal("AutoGen team says: How many orders? TERMINATE", reply.RootElement.GetProperty("output").GetString());
        Assert.Equal("autogen-research-team", reply.RootElement.GetProperty("agent_name").GetString());

        var response = await _client.PostAsync("/runners/autogen/research-team/run", Json(new { input = "please fail" }));
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("Incorrect API key", problem.RootElement.GetProperty("detail").GetString());
        using var trace = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/traces/{problem.RootElement.GetProperty("run_trace_id").GetString()}"));
        Assert.Equal("error", trace.RootElement.GetProperty("run").GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnAutoGenTaskTooLongForItsUrl_Is400BeforeAnythingIsSent()
    {
        // Found by the fuzzer: AutoGen Studio takes the task in the URL, and a long one came back as a 502 (its server's 414).
        var response = await _client.PostAsync("/runners/autogen/research-team/run", Json(new { input = new string('é', 5_000) }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("too long for AutoGen Studio", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(_runners.Received, r => r.Path.Contains("predict", StringComparison.Ordinal) && r.Path.Length > 10_000);
    }

    [Fact]
    public async Task ATaskThePlatformRefuses_Is422WithItsWords_NotA502()
    {
        // Found by the fuzzer: a NUL in the task is refused by AutoGen's web server with 400, which came back as a 502.
        var response = await _client.PostAsync("/runners/autogen/research-team/run", Json(new { input = "a\0b" }));

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("AutoGen refused the input", problem.RootElement.GetProperty("title").GetString());
        Assert.Contains("answered HTTP 400", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("langflow", "rate limit exceeded")]
    [InlineData("flowise", "429 Rate limit reached")]
    public async Task AFailingFlow_Is502WithTheUpstreamsMessage_AndAnErrorRun(string kind, string message)
    {
        using var problem = await RunAsync(kind, "failing-flow", HttpStatusCode.BadGateway);

        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.Contains("HTTP 500", detail);
        Assert.Contains(message, detail);
        var traceId = problem.RootElement.GetProperty("run_trace_id").GetString();
        Assert.True(traceId is { Length: 32 }, problem.RootElement.GetRawText());
        using var trace = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/traces/{traceId}"));
        var run = trace.RootElement.GetProperty("run");
        Assert.Equal("error", run.GetProperty("status").GetString());
        Assert.Contains(message, run.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AWrongKey_AnUnknownFlow_ASlowFlow_AndADownPlatform_EachSayWhatToCheck()
    {
        using (var unknown = await RunAsync("langflow", "unknown-flow", HttpStatusCode.BadGateway))
        {
            Assert.Contains("Check the flow id", unknown.RootElement.GetProperty("detail").GetString());
        }

        using var wrongKeyApp = Portal(_runners.BaseUrl, "sk-wrong", timeout: "00:00:01");
        var wrongKey = await ChatClientAsync(wrongKeyApp);
        using (var refused = await RunAsync("langflow", "basic-prompting", HttpStatusCode.BadGateway, wrongKey))
        {
            Assert.Contains("Integrations:Langflow:ApiKey", refused.RootElement.GetProperty("detail").GetString());
            Assert.DoesNotContain("sk-wrong", refused.RootElement.GetRawText());
        }

        using var slowApp = Portal(_runners.BaseUrl, FakeRunners.LangflowKey, timeout: "00:00:01");
        using (var slow = await RunAsync("langflow", "slow-flow", HttpStatusCode.GatewayTimeout, await ChatClientAsync(slowApp)))
        {
            Assert.Contains("within 1 s", slow.RootElement.GetProperty("detail").GetString());
        }

        var url = _runners.BaseUrl;
        await _runners.DisposeAsync();
        _runners = await FakeRunners.StartAsync();
        using var down = await RunAsync("flowise", "any-flow", HttpStatusCode.BadGateway);
        Assert.Contains("could not be reached", down.RootElement.GetProperty("detail").GetString());
        Assert.Contains(url, down.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ARunnerNotConfigured_Is503NamingTheSetting_AndBadInputIs400()
    {
        using var bare = new PortalAppFactory();
        var client = await ChatClientAsync(bare);

        using (var problem = await RunAsync("langflow", "basic-prompting", HttpStatusCode.ServiceUnavailable, client))
        {
            Assert.Contains("Integrations:Langflow:Url", problem.RootElement.GetProperty("detail").GetString());
        }
        await RunAsync("zapier", "x", HttpStatusCode.BadRequest);
        await RunAsync("langflow", "bad%20id", HttpStatusCode.BadRequest);
        var empty = await _client.PostAsync("/runners/langflow/basic-prompting/run", Json(new { input = "" }));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _app.CreateApiClient().PostAsync("/runners/langflow/basic-prompting/run", Json(new { input = "x" }))).StatusCode);
    }

    [Fact]
    public async Task ObservabilityHealth_ListsTheConfiguredRunners()
    {
        using var health = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync("/observability/health"));

        var names = health.RootElement.GetProperty("dependencies").EnumerateArray().ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("status").GetString());
        Assert.Equal("up", names["langflow"]);
        Assert.Equal("up", names["flowise"]);
        Assert.Equal("up", names["autogen"]);
    }

    private async Task<JsonDocument> RunAsync(string kind, string id, HttpStatusCode expected, HttpClient? client = null)
    {
        var response = await (client ?? _client).PostAsync($"/runners/{kind}/{id}/run", Json(new { input = "How many orders?" }));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
