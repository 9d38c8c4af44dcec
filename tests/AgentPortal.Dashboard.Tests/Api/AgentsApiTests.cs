using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Api;

public class AgentsApiTests : IClassFixture<PortalAppFactory>
{
    private readonly PortalAppFactory _app;
    private readonly HttpClient _client;

    public AgentsApiTests(PortalAppFactory app)
    {
        _app = app;
        _client = app.CreateApiClient();
    }

    [Fact]
    public async Task Register_New_Returns201WithLocation_ThenSameNameReturns200WithSameAgent()
    {
        var name = "vanna-" + Guid.NewGuid().ToString("N")[..8];

        var created = await PostJsonAsync("/agents/register", new { name, type = "vanna", external_id = "conn-7", config = new { database = "sales" } });
        var again = await PostJsonAsync("/agents/register", new { name, type = "vanna" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var first = await ReadJsonAsync(created);
        var id = first.RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/agents/{id}", created.Headers.Location!.ToString());
        Assert.Equal("default-project", first.RootElement.GetProperty("project_id").GetString());
        Assert.Equal("conn-7", first.RootElement.GetProperty("external_id").GetString());
        Assert.Equal("sales", first.RootElement.GetProperty("config").GetProperty("database").GetString());
        Assert.True(first.RootElement.GetProperty("monitoring_enabled").GetBoolean());
        Assert.Equal("active", first.RootElement.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, first.RootElement.GetProperty("last_used_at").ValueKind);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var second = await ReadJsonAsync(again);
        Assert.Equal(id, second.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Register_BadFields_Returns400NamingEveryField_AndStoresNothing()
    {
        var response = await PostRawAsync("/agents/register", """{"name": 42, "type": "robot", "config": [1], "external_id": null}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        using var problem = await ReadJsonAsync(response);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.Contains("must be a string", errors.GetProperty("name")[0].GetString());
        Assert.Contains("vanna, langflow, flowise, autogen, custom", errors.GetProperty("type")[0].GetString());
        Assert.Contains("JSON object", errors.GetProperty("config")[0].GetString());
        Assert.False(errors.TryGetProperty("external_id", out _));
    }

    [Theory]
    [InlineData("""{"type": "custom"}""", "name", "is required")]
    [InlineData("""{"name": "x"}""", "type", "is required")]
    [InlineData("""{"name": "   ", "type": "custom"}""", "name", "must not be empty")]
    public async Task Register_MissingField_Returns400NamingIt(string body, string field, string problem)
    {
        var response = await PostRawAsync("/agents/register", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains(problem, json.RootElement.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Register_NameLongerThan255_IsRejected()
    {
        var response = await PostJsonAsync("/agents/register", new { name = new string('a', 256), type = "custom" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains("at most 255", json.RootElement.GetProperty("errors").GetProperty("name")[0].GetString());
    }

    [Theory]
    [InlineData("""{"name": "x", """, HttpStatusCode.BadRequest, "not valid JSON")]
    [InlineData("""["x"]""", HttpStatusCode.BadRequest, "JSON object")]
    [InlineData("", HttpStatusCode.BadRequest, "Send a JSON object")]
    public async Task Register_UnreadableBody_ExplainsWhat(string body, HttpStatusCode status, string detail)
    {
        var response = await PostRawAsync("/agents/register", body);

        Assert.Equal(status, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains(detail, json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Register_FormContentType_Returns415()
    {
        var response = await _client.PostAsync("/agents/register", new StringContent("name=x&type=custom", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains("application/json", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Register_BodyOverTheLimit_Returns413()
    {
        var config = new string('x', 1024 * 1024 + 10);

        var response = await PostJsonAsync("/agents/register", new { name = "big", type = "custom", config = new { blob = config } });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains("Api:MaxBodyBytes", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task NoKey_Returns401ProblemNotARedirect()
    {
        var anonymous = _app.CreateClientWithoutRedirects();

        var response = await anonymous.PostAsync("/agents/register", JsonContent.Create(new { name = "x", type = "custom" }));
        var list = await anonymous.GetAsync("/agents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains("apikey create", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WrongOrRevokedKey_Returns401()
    {
        var keys = _app.Services.GetRequiredService<ApiKeyService>();
        var revoked = await keys.CreateAsync("default-project", ApiKeyScopes.Ingest | ApiKeyScopes.Read, "to revoke", CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateApiClient(revoked.Secret).GetAsync("/agents")).StatusCode);
        await keys.RevokeAsync(revoked.Key.Id, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateApiClient(revoked.Secret).GetAsync("/agents")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateApiClient("ap_not-a-real-key-at-all-000000").GetAsync("/agents")).StatusCode);
    }

    [Fact]
    public async Task KeyHeader_IsAcceptedBesideBearer()
    {
        var client = _app.CreateClientWithoutRedirects();
        client.DefaultRequestHeaders.Add("x-api-key", PortalAppFactory.IngestKey);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/agents")).StatusCode);
    }

    [Fact]
    public async Task ReadOnlyKey_CannotRegister_Returns403()
    {
        var key = await _app.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", ApiKeyScopes.Read, null, CancellationToken.None);
        var client = _app.CreateApiClient(key.Secret);

        var response = await client.PostAsJsonAsync("/agents/register", new { name = "x", type = "custom" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        Assert.Contains("'ingest'", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task KeyOfAnotherProject_CannotRegisterThere_NorSeeItsAgents()
    {
        var ours = await RegisterAsync("project-scoped");
        var key = await _app.Services.GetRequiredService<ApiKeyService>().CreateAsync("team-b", ApiKeyScopes.Ingest | ApiKeyScopes.Read, null, CancellationToken.None);
        var other = _app.CreateApiClient(key.Secret);

        var intoDefault = await other.PostAsJsonAsync("/agents/register", new { name = "sneaky", type = "custom", project_id = "default-project" });
        var own = await other.PostAsJsonAsync("/agents/register", new { name = "team-b-agent", type = "custom" });

        Assert.Equal(HttpStatusCode.Forbidden, intoDefault.StatusCode);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        using (var json = await ReadJsonAsync(own))
        {
            Assert.Equal("team-b", json.RootElement.GetProperty("project_id").GetString());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/agents/{ours}")).StatusCode);
        using var list = await ReadJsonAsync(await other.GetAsync("/agents"));
        Assert.All(list.RootElement.GetProperty("items").EnumerateArray(), a => Assert.Equal("team-b", a.GetProperty("project_id").GetString()));
    }

    [Theory]
    [InlineData("/agents/not-a-guid")]
    [InlineData("/agents/00000000-0000-0000-0000-000000000001")]
    [InlineData("/agents/00000000-0000-0000-0000-000000000001/stats")]
    [InlineData("/traces/xyz")]
    [InlineData("/traces/0123456789abcdef0123456789abcdef")]
    public async Task UnknownOrInvalidIds_Return404Problem(string path)
    {
        var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task List_BadFilters_Return400NamingThem()
    {
        var response = await _client.GetAsync("/agents?type=robot&status=sleeping&page=0&page_size=100000");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        var errors = json.RootElement.GetProperty("errors");
        foreach (var field in new[] { "type", "status", "page", "page_size" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task List_FiltersByTypeAndSearch()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        await RegisterAsync($"flow-{marker}", "langflow");
        await RegisterAsync($"chat-{marker}", "flowise");

        using var json = await ReadJsonAsync(await _client.GetAsync($"/agents?type=flowise&search={marker}"));

        var item = Assert.Single(json.RootElement.GetProperty("items").EnumerateArray());
        Assert.StartsWith($"chat-{marker}", item.GetProperty("name").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("total_count").GetInt32());
    }

    [Fact]
    public async Task Run_StartAndEnd_ShowsInStatsTracesAndTheTrace()
    {
        var id = await RegisterAsync("run-flow");

        var start = await PostJsonAsync($"/agents/{id}/trace/start", new { input = "How many orders?", metadata = new { user = "kim" } });
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        using var started = await ReadJsonAsync(start);
        var traceId = started.RootElement.GetProperty("trace_id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);
        Assert.Matches("^[0-9a-f]{16}$", started.RootElement.GetProperty("span_id").GetString()!);

        using (var agent = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}")))
        {
            Assert.NotEqual(JsonValueKind.Null, agent.RootElement.GetProperty("last_used_at").ValueKind);
        }

        var end = await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId, status = "error", error = "SQL failed", output = "none" });
        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        using (var ended = await ReadJsonAsync(end))
        {
            Assert.Equal("error", ended.RootElement.GetProperty("status").GetString());
            Assert.True(ended.RootElement.GetProperty("duration_ms").GetDouble() >= 0);
        }

        var second = await PostJsonAsync($"/agents/{id}/trace/start", new { });
        using var secondJson = await ReadJsonAsync(second);
        await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = secondJson.RootElement.GetProperty("trace_id").GetString() });

        using var stats = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}/stats"));
        Assert.Equal(2, stats.RootElement.GetProperty("runs").GetInt64());
        Assert.Equal(1, stats.RootElement.GetProperty("errors").GetInt64());
        Assert.Equal(0.5, stats.RootElement.GetProperty("error_rate").GetDouble());
        Assert.Equal(JsonValueKind.Null, stats.RootElement.GetProperty("cost").ValueKind);
        Assert.True(stats.RootElement.GetProperty("p95_ms").GetDouble() >= stats.RootElement.GetProperty("p50_ms").GetDouble());

        using var runs = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}/traces?status=error"));
        var run = Assert.Single(runs.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(traceId, run.GetProperty("trace_id").GetString());
        Assert.Equal("SQL failed", run.GetProperty("error").GetString());
        Assert.Equal("How many orders?", run.GetProperty("input").GetString());
        Assert.Equal("kim", run.GetProperty("metadata").GetProperty("user").GetString());

        using (var byName = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}/traces?name=RUN-FLOW&model=gpt-4o")))
        {
            Assert.Equal(0, byName.RootElement.GetProperty("total_count").GetInt32());
        }
        using (var byName = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}/traces?name=RUN-FLOW")))
        {
            Assert.Equal(2, byName.RootElement.GetProperty("total_count").GetInt32());
        }

        using (var errors = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}/errors?limit=5")))
        {
            var group = Assert.Single(errors.RootElement.EnumerateArray());
            Assert.Equal("SQL failed", group.GetProperty("message").GetString());
            Assert.True(group.GetProperty("is_run_root").GetBoolean());
            Assert.Equal(1, group.GetProperty("count").GetInt64());
            Assert.Equal(traceId, group.GetProperty("latest_trace_id").GetString());
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/agents/{id}/errors?limit=0")).StatusCode);

        using var trace = await ReadJsonAsync(await _client.GetAsync($"/traces/{traceId}"));
        var root = Assert.Single(trace.RootElement.GetProperty("spans").EnumerateArray());
        Assert.True(root.GetProperty("is_run_root").GetBoolean());
        Assert.Equal("error", root.GetProperty("status").GetString());
        Assert.Equal(id, root.GetProperty("agent_id").GetString());
    }

    [Fact]
    public async Task Start_WithCallerTraceId_UsesIt_AndRejectsBadOnes()
    {
        var id = await RegisterAsync("caller-ids");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        using (var started = await ReadJsonAsync(await PostJsonAsync($"/agents/{id}/trace/start", new { trace_id = traceId })))
        {
            Assert.Equal(traceId, started.RootElement.GetProperty("trace_id").GetString());
        }
        var duplicate = await PostJsonAsync($"/agents/{id}/trace/start", new { trace_id = traceId });
        var bad = await PostJsonAsync($"/agents/{id}/trace/start", new { trace_id = "ABC" });

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var json = await ReadJsonAsync(bad);
        Assert.Contains("32 lower-case hex", json.RootElement.GetProperty("errors").GetProperty("trace_id")[0].GetString());
    }

    [Fact]
    public async Task End_UnknownTrace_Is404_SecondEnd_Is409_BadStatus_Is400()
    {
        var id = await RegisterAsync("ender");
        using var started = await ReadJsonAsync(await PostJsonAsync($"/agents/{id}/trace/start", new { }));
        var traceId = started.RootElement.GetProperty("trace_id").GetString();

        var unknown = await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) });
        var badStatus = await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId, status = "done" });
        var first = await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId });
        var second = await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId });

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        using var json = await ReadJsonAsync(second);
        Assert.Contains("already ended", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task InactiveAgent_CannotStart_Returns409SayingSo()
    {
        var id = await RegisterAsync("retired");
        var patch = await _client.PatchAsync($"/agents/{id}", JsonContent.Create(new { status = "inactive" }));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        var start = await PostJsonAsync($"/agents/{id}/trace/start", new { });

        Assert.Equal(HttpStatusCode.Conflict, start.StatusCode);
        using var json = await ReadJsonAsync(start);
        Assert.Contains("inactive", json.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MonitoringDisabled_StartAndEndStillAnswer_ButNothingIsStored()
    {
        var id = await RegisterAsync("quiet");
        await _client.PatchAsync($"/agents/{id}", JsonContent.Create(new { monitoring_enabled = false }));

        var start = await PostJsonAsync($"/agents/{id}/trace/start", new { input = "secret question" });
        using var started = await ReadJsonAsync(start);
        var traceId = started.RootElement.GetProperty("trace_id").GetString();
        var end = await PostJsonAsync($"/agents/{id}/trace/end", new { trace_id = traceId });

        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.False(started.RootElement.GetProperty("stored").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/traces/{traceId}")).StatusCode);
        using var runs = await ReadJsonAsync(await _client.GetAsync($"/agents/{id}/traces"));
        Assert.Equal(0, runs.RootElement.GetProperty("total_count").GetInt32());
    }

    [Fact]
    public async Task Patch_BadValues_Return400_AndEmptyPatchSaysWhatToSend()
    {
        var id = await RegisterAsync("patchy");

        var bad = await _client.PatchAsync($"/agents/{id}", JsonContent.Create(new { status = "paused", monitoring_enabled = "yes" }));
        var empty = await _client.PatchAsync($"/agents/{id}", JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var json = await ReadJsonAsync(bad))
        {
            Assert.True(json.RootElement.GetProperty("errors").TryGetProperty("status", out _));
            Assert.True(json.RootElement.GetProperty("errors").TryGetProperty("monitoring_enabled", out _));
        }
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var emptyJson = await ReadJsonAsync(empty);
        Assert.Contains("at least one of", emptyJson.RootElement.GetProperty("errors").GetProperty("body")[0].GetString());
    }

    [Fact]
    public async Task Stats_BadRange_Returns400()
    {
        var id = await RegisterAsync("ranged");

        var response = await _client.GetAsync($"/agents/{id}/stats?from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z");
        var notATime = await _client.GetAsync($"/agents/{id}/stats?from=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notATime.StatusCode);
        using var json = await ReadJsonAsync(notATime);
        Assert.Contains("ISO 8601", json.RootElement.GetProperty("errors").GetProperty("from")[0].GetString());
    }

    private async Task<string> RegisterAsync(string name, string type = "custom")
    {
        var response = await PostJsonAsync("/agents/register", new { name = name + "-" + Guid.NewGuid().ToString("N")[..6], type });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = await ReadJsonAsync(response);
        return json.RootElement.GetProperty("id").GetString()!;
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, object body) => _client.PostAsJsonAsync(path, body);

    private Task<HttpResponseMessage> PostRawAsync(string path, string body) =>
        _client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync());
}
