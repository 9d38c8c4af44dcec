using System.Net;
using System.Text;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Security;

/// <summary>
/// Every route the app has, from its own route table, called by every kind of caller: a new route
/// that is not in <see cref="s_expected"/> fails this test, so no endpoint or page ships without a
/// decision about who may use it.
/// </summary>
public sealed class AuthorizationMatrixTests : IAsyncLifetime
{
    [Flags]
    private enum Caller
    {
        None = 0,
        Anonymous = 1,
        Viewer = 2,
        Operator = 4,
        Admin = 8,
        IngestKey = 16,
        ReadKey = 32,
        ChatKey = 64,
    }

    private const Caller People = Caller.Viewer | Caller.Operator | Caller.Admin;
    private const Caller Everyone = Caller.Anonymous | People | Caller.IngestKey | Caller.ReadKey | Caller.ChatKey;
    private const Caller Writers = Caller.Operator | Caller.Admin;

    /// <summary>"METHOD pattern" → who may call it. Static files are checked separately (anonymous, read-only).</summary>
    private static readonly Dictionary<string, Caller> s_expected = new()
    {
        // Anonymous by design: probes, sign-in and its single sign-on hand-off, the error pages.
        ["GET /health"] = Everyone,
        ["GET /ready"] = Everyone,
        ["GET /account/login"] = Everyone,
        ["GET /account/denied"] = Everyone,
        ["POST /account/external-login"] = Everyone,
        ["GET /account/external-callback"] = Everyone,
        ["GET /not-found"] = Everyone,
        ["GET /error"] = Everyone,
        // Blazor's hand-off for a redirect during enhanced navigation.
        ["GET /_framework/opaque-redirect"] = People,
        // The embeds' root redirect: anonymous callers and unknown paths get the ordinary 404.
        ["* /{**path}"] = Everyone,
        // The OTLP/gRPC service checks the key itself (UNAUTHENTICATED); covered by OtlpGrpcTests.
        ["POST /opentelemetry.proto.collector.trace.v1.TraceService/Export"] = Everyone,

        // People: pages and their own account.
        ["GET /"] = People,
        ["GET /registry"] = People,
        ["GET /monitoring/traces"] = People,
        ["GET /monitoring/traces/{TraceId}"] = People,
        ["GET /monitoring/agents/{AgentId}"] = People,
        ["GET /monitoring/compare"] = People,
        ["GET /tools"] = People,
        ["GET /alerts"] = People,
        ["GET /alerts/new"] = People,
        ["GET /alerts/{Id}"] = People,
        ["GET /tools/langfuse"] = People,
        ["GET /tools/helicone"] = People,
        ["GET /account/manage"] = People,
        ["POST /account/logout"] = People,
        ["POST /account/signout-everywhere"] = People,
        ["* /embed/langfuse/{**path}"] = People,
        ["* /embed/helicone/{**path}"] = People,
        ["GET /chat"] = Writers,
        ["GET /sql"] = Writers,
        ["GET /admin/keys"] = Writers,
        ["GET /admin"] = Caller.Admin,
        ["GET /admin/people"] = Caller.Admin,
        ["GET /admin/audit"] = Caller.Admin,
        ["GET /admin/storage"] = Caller.Admin,
        ["GET /tools/kong"] = Caller.Admin,
        ["* /embed/kong-admin/{**path}"] = Caller.Admin,

        // Machine API: read.
        ["GET /agents/"] = People | Caller.ReadKey,
        ["GET /agents/{id}"] = People | Caller.ReadKey,
        ["GET /agents/{id}/stats"] = People | Caller.ReadKey,
        ["GET /agents/{id}/traces"] = People | Caller.ReadKey,
        ["GET /agents/{id}/errors"] = People | Caller.ReadKey,
        ["GET /traces/{traceId}"] = People | Caller.ReadKey,
        ["GET /observability/health"] = People | Caller.ReadKey,
        ["GET /observability/usage"] = People | Caller.ReadKey,
        ["GET /observability/models"] = People | Caller.ReadKey,
        ["* /metrics"] = People | Caller.ReadKey,
        // Machine API: ingest.
        ["POST /agents/register"] = Writers | Caller.IngestKey,
        ["PATCH /agents/{id}"] = Writers | Caller.IngestKey,
        ["POST /agents/{id}/trace/start"] = Writers | Caller.IngestKey,
        ["POST /agents/{id}/trace/end"] = Writers | Caller.IngestKey,
        ["POST /v1/traces"] = Writers | Caller.IngestKey,
        ["POST /api/public/otel/v1/traces"] = Writers | Caller.IngestKey,
        // Machine API: chat.
        ["POST /chat/completions"] = Writers | Caller.ChatKey,
        ["POST /chat/stream"] = Writers | Caller.ChatKey,
        ["GET /models/"] = Writers | Caller.ChatKey,
        ["POST /runners/{kind}/{id}/run"] = Writers | Caller.ChatKey,
        // Machine API: administration.
        ["GET /admin/prices/"] = Caller.Admin,
        ["PUT /admin/prices/"] = Caller.Admin,
        ["POST /admin/prices/import"] = Caller.Admin,
    };

    private readonly PortalAppFactory _app = new();
    private readonly Dictionary<Caller, HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        _clients[Caller.Anonymous] = _app.CreateClientWithoutRedirects();
        _clients[Caller.Admin] = await _app.CreateAdminClientAsync();
        _clients[Caller.Operator] = await _app.CreateClientForRoleAsync(PortalRoles.Operator, "default-project");
        _clients[Caller.Viewer] = await _app.CreateClientForRoleAsync(PortalRoles.Viewer);
        var keys = _app.Services.GetRequiredService<ApiKeyService>();
        foreach (var (caller, scope) in new[] { (Caller.IngestKey, ApiKeyScopes.Ingest), (Caller.ReadKey, ApiKeyScopes.Read), (Caller.ChatKey, ApiKeyScopes.Chat) })
        {
            var key = await keys.CreateAsync("default-project", scope, caller.ToString(), CancellationToken.None);
            _clients[caller] = _app.CreateApiClient(key.Secret);
        }
    }

    public Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task EveryRoute_AnswersEachCaller_AsTheMatrixSays()
    {
        var routes = Routes();
        var unknown = routes.Where(r => !r.Static && !s_expected.ContainsKey(r.Key)).Select(r => r.Key).Distinct().ToList();
        Assert.True(unknown.Count == 0, "Routes without a decision in the authorization matrix (add them to s_expected): " + string.Join(", ", unknown));
        var stale = s_expected.Keys.Except(routes.Select(r => r.Key)).ToList();
        Assert.True(stale.Count == 0, "Matrix rows for routes the app no longer has: " + string.Join(", ", stale));

        var wrong = new List<string>();
        foreach (var route in routes.Where(r => !r.Static))
        {
            var expected = s_expected[route.Key];
            foreach (var (caller, client) in _clients)
            {
                // Signing out is checked last, so it does not end the session the other rows use.
                if (route.Path.StartsWith("/account/logout", StringComparison.Ordinal) || route.Path.StartsWith("/account/signout-everywhere", StringComparison.Ordinal))
                {
                    continue;
                }
                var response = await SendAsync(client, route);
                var allowed = !IsDenied(response);
                if (allowed != expected.HasFlag(caller))
                {
                    wrong.Add($"{route.Method} {route.Path} as {caller}: {(int)response.StatusCode} {response.Headers.Location}");
                }
            }
        }
        Assert.True(wrong.Count == 0, "Answers that differ from the matrix:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task StaticFiles_AreServedToAnyone_AndOnlyRead()
    {
        var statics = Routes().Where(r => r.Static).ToList();
        Assert.NotEmpty(statics);
        Assert.All(statics, r => Assert.True(r.Method is "GET" or "HEAD", $"{r.Method} {r.Path} is a static file route that writes."));
        var response = await _clients[Caller.Anonymous].GetAsync("/app.css");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SignOutEndpoints_NeedTheFormsAntiforgeryToken()
    {
        var viewer = _clients[Caller.Viewer];

        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.PostAsync("/account/logout", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.PostAsync("/account/signout-everywhere", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/")).StatusCode);
    }

    private static bool IsDenied(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.ToString() is { } location
            && (location.Contains("/account/login?ReturnUrl=", StringComparison.Ordinal) || location.Contains("/account/denied", StringComparison.Ordinal)));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, Route route)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method == "*" ? "GET" : route.Method), route.Path);
        if (route.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        return await client.SendAsync(request);
    }

    private sealed record Route(string Method, string Pattern, string Path, bool Static)
    {
        public string Key => $"{Method} {Pattern}";
    }

    private List<Route> Routes()
    {
        var routes = new List<Route>();
        foreach (var endpoint in _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            // gRPC's catch-alls for unknown services and methods answer UNIMPLEMENTED and read nothing.
            if (pattern.Contains("{unimplemented", StringComparison.Ordinal)
                // Blazor's own circuit endpoints sit under the fallback policy (signed-in people), with their own protocol.
                || pattern.StartsWith("/_blazor", StringComparison.Ordinal))
            {
                continue;
            }
            var isStatic = IsFile(pattern) || pattern == "/{**path:file}";
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
            // A page answers GET and its forms' POST through one endpoint with one policy: GET stands for both.
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null)
            {
                methods = ["GET"];
            }
            var path = Concrete(pattern);
            if (methods is null || methods.Count == 0)
            {
                routes.Add(new Route("*", pattern, path, isStatic));
                continue;
            }
            foreach (var method in methods.Where(m => m != "OPTIONS"))
            {
                routes.Add(new Route(method, pattern, path, isStatic));
            }
        }
        // Razor component pages appear once per method they answer (GET, POST for forms): keep those.
        return [.. routes.DistinctBy(r => r.Key)];
    }

    private static bool IsFile(string pattern) => Path.HasExtension(pattern) && !pattern.Contains('{', StringComparison.Ordinal);

    private static string Concrete(string pattern) => pattern
        .Replace("{**path}", "some/where", StringComparison.Ordinal)
        .Replace("{TraceId}", "0af7651916cd43dd8448eb211c80319c", StringComparison.Ordinal)
        .Replace("{traceId}", "0af7651916cd43dd8448eb211c80319c", StringComparison.Ordinal)
        .Replace("{AgentId}", "00000000-0000-0000-0000-000000000001", StringComparison.Ordinal)
        .Replace("{id}", "00000000-0000-0000-0000-000000000001", StringComparison.Ordinal)
        .Replace("{kind}", "langflow", StringComparison.Ordinal);
}
