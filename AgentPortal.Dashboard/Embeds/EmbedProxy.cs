using System.Net.Http.Headers;
using System.Text;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Api;
using Yarp.ReverseProxy.Forwarder;

namespace AgentPortal.Dashboard.Embeds;

/// <summary>
/// The authenticated reverse proxy behind /embed/*: each tool is served under the portal's origin so
/// it can be framed, with its credentials added here and never sent to the browser. Built on YARP's
/// direct forwarder (HTTP and WebSockets); the transforms strip what would leak or block framing.
/// </summary>
public static class EmbedProxy
{
    public const string PathPrefix = "/embed";
    public const string ViewPolicy = "embed:view";

    public static IServiceCollection AddEmbeds(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddSingleton<EmbedSessions>();
        services.AddSingleton<EmbedClients>();
        services.AddHttpClient(EmbedSessions.SignInClient, client => client.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false });
        return services;
    }

    public static IEndpointRouteBuilder MapEmbeds(this IEndpointRouteBuilder app)
    {
        var tools = app.ServiceProvider.GetRequiredService<EmbeddedTools>();
        foreach (var tool in tools.All)
        {
            app.Map(tool.ProxyPath + "/{**path}", (HttpContext context, IHttpForwarder forwarder, EmbedClients clients, EmbedSessions sessions) =>
                    ProxyAsync(context, tool, forwarder, clients, sessions))
                .RequireAuthorization(tool.AdminOnly ? PricesApi.AdminPolicy : ViewPolicy)
                .ExcludeFromDescription();
        }

        // A tool's page that loads an absolute path (/_next/static/app.js) asks the portal's root for it.
        // When the request comes from an embedded page (its Referer is under /embed/<tool>), it is sent on
        // to that tool; anything else is the portal's ordinary 404. Lowest precedence: every real route wins.
        app.Map("/{**path}", (HttpContext context) => RedirectFromEmbed(context, tools))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Safe methods only for Viewers: they may look at an embedded tool but not change it through the portal's service account.</summary>
    public static bool MayChange(System.Security.Claims.ClaimsPrincipal user) => user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Operator);

    private static async Task ProxyAsync(HttpContext context, EmbeddedTool tool, IHttpForwarder forwarder, EmbedClients clients, EmbedSessions sessions)
    {
        if (tool.Upstream is not { } upstream)
        {
            await ApiAuthentication.WriteProblemAsync(context, StatusCodes.Status404NotFound, $"{tool.Name} is not configured",
                $"Set {ConfigurationProblems.ToEnvironmentVariable(tool.Section + ":Url")} to {tool.Name}'s address as the portal reaches it, e.g. {tool.SettingsToSet[0].Example}.");
            return;
        }
        var method = context.Request.Method;
        if (!(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)) && !MayChange(context.User))
        {
            await ApiAuthentication.WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Read-only",
                $"Viewers can look at {tool.Name} but not change it; ask an Admin or Operator.");
            return;
        }

        var error = await forwarder.SendAsync(context, upstream.ToString(), clients.For(tool), ForwarderRequestConfig.Empty, new EmbedTransformer(tool, sessions));
        if (error != ForwarderError.None && !context.Response.HasStarted)
        {
            var exception = context.GetForwarderErrorFeature()?.Exception;
            var signIn = FindSignInFailure(exception);
            context.Response.Clear();
            await ApiAuthentication.WriteProblemAsync(context, StatusCodes.Status502BadGateway, $"{tool.Name} did not answer",
                signIn?.Message ?? $"{tool.Name} at {upstream} could not be reached ({error}). Check that it runs and that {tool.Section}:Url is the address the portal reaches it at.");
        }
    }

    private static EmbedSignInException? FindSignInFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is EmbedSignInException signIn)
            {
                return signIn;
            }
        }
        return null;
    }

    private static IResult RedirectFromEmbed(HttpContext context, EmbeddedTools tools)
    {
        if (context.User.Identity?.IsAuthenticated == true
            && Uri.TryCreate(context.Request.Headers.Referer.ToString(), UriKind.Absolute, out var referer)
            && string.Equals(referer.Authority, context.Request.Host.Value, StringComparison.OrdinalIgnoreCase))
        {
            var tool = tools.All.FirstOrDefault(t => t.Upstream is not null
                && (referer.AbsolutePath.Equals(t.ProxyPath, StringComparison.OrdinalIgnoreCase) || referer.AbsolutePath.StartsWith(t.ProxyPath + "/", StringComparison.OrdinalIgnoreCase)));
            if (tool is not null && (!tool.AdminOnly || context.User.IsInRole(PortalRoles.Admin)))
            {
                // 307 keeps the method and body, so the tool's own fetch and form posts arrive intact.
                return Results.Redirect(tool.ProxyPath + context.Request.Path + context.Request.QueryString, permanent: false, preserveMethod: true);
            }
        }
        return Results.NotFound();
    }

    /// <summary>Rewrites a Location the tool sends so the browser stays under the proxy.</summary>
    internal static string RewriteLocation(EmbeddedTool tool, Uri upstream, string location)
    {
        if (Uri.TryCreate(location, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            return string.Equals(absolute.Authority, upstream.Authority, StringComparison.OrdinalIgnoreCase)
                ? tool.ProxyPath + absolute.PathAndQuery + absolute.Fragment
                : location;
        }
        return location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) ? tool.ProxyPath + location : location;
    }

    private sealed class EmbedTransformer(EmbeddedTool tool, EmbedSessions sessions) : HttpTransformer
    {
        private static readonly string[] s_blockedRequestHeaders = ["Cookie", "Authorization", "x-api-key", "Kong-Admin-Token", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"];
        private static readonly string[] s_blockedResponseHeaders = ["X-Frame-Options", "Content-Security-Policy", "Content-Security-Policy-Report-Only", "Strict-Transport-Security"];

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            // The portal's own cookies and keys never reach the tool; the tool's are added by EmbedClients.
            foreach (var header in s_blockedRequestHeaders)
            {
                proxyRequest.Headers.Remove(header);
            }
            var upstream = tool.Upstream!;
            var rest = httpContext.Request.Path.Value is { } path && path.Length > tool.ProxyPath.Length ? path[(tool.ProxyPath.Length + 1)..] : "";
            proxyRequest.RequestUri = new Uri(upstream, rest + httpContext.Request.QueryString);
            proxyRequest.Headers.Host = null;
            // The tool checks Origin on its own form posts (CSRF); from its point of view the request is its own.
            if (proxyRequest.Headers.Contains("Origin"))
            {
                proxyRequest.Headers.Remove("Origin");
                proxyRequest.Headers.TryAddWithoutValidation("Origin", upstream.GetLeftPart(UriPartial.Authority));
            }
            proxyRequest.Headers.Referrer = null;
        }

        public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
            var headers = httpContext.Response.Headers;
            foreach (var header in s_blockedResponseHeaders)
            {
                headers.Remove(header);
            }
            if (headers.TryGetValue("Set-Cookie", out var setCookies))
            {
                sessions.Absorb(tool, setCookies.OfType<string>());
                headers.Remove("Set-Cookie");
            }
            if (headers.Location.ToString() is { Length: > 0 } location)
            {
                headers.Location = RewriteLocation(tool, tool.Upstream!, location);
            }
            return proceed;
        }
    }
}

/// <summary>
/// One HTTP client per tool, with a handler that adds the tool's credentials and session and, when
/// the tool answers 401, signs in again and resends a request that has no body. Hand-written because
/// YARP's forwarder deliberately has no retries.
/// </summary>
public sealed class EmbedClients(EmbedSessions sessions) : IDisposable
{
    private readonly Dictionary<string, HttpMessageInvoker> _clients = [];
    private readonly Lock _lock = new();

    public HttpMessageInvoker For(EmbeddedTool tool)
    {
        lock (_lock)
        {
            if (!_clients.TryGetValue(tool.Key, out var client))
            {
                client = new HttpMessageInvoker(new CredentialHandler(tool, sessions)
                {
                    InnerHandler = new SocketsHttpHandler
                    {
                        UseProxy = false,
                        AllowAutoRedirect = false,
                        AutomaticDecompression = System.Net.DecompressionMethods.None,
                        UseCookies = false,
                        EnableMultipleHttp2Connections = true,
                        ConnectTimeout = TimeSpan.FromSeconds(10),
                        ActivityHeadersPropagator = new ReverseProxyPropagator(System.Diagnostics.DistributedContextPropagator.Current),
                    },
                });
                _clients[tool.Key] = client;
            }
            return client;
        }
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private sealed class CredentialHandler(EmbeddedTool tool, EmbedSessions sessions) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            AddCredentials(request);
            var generation = sessions.Generation(tool);
            await SetCookieAsync(request, cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            if ((response.StatusCode == System.Net.HttpStatusCode.Unauthorized || SendsToSignIn(response)) && request.Content is null
                && await sessions.RenewAsync(tool, generation, cancellationToken))
            {
                response.Dispose();
                await SetCookieAsync(request, cancellationToken);
                response = await base.SendAsync(request, cancellationToken);
            }
            return response;
        }

        /// <summary>A tool whose session ended often redirects to its sign-in page instead of answering 401.</summary>
        private static bool SendsToSignIn(HttpResponseMessage response) =>
            (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location
            && (location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0]) is var path
            && (path.EndsWith("/sign-in", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/signin", StringComparison.OrdinalIgnoreCase) || path.EndsWith("/login", StringComparison.OrdinalIgnoreCase));

        private void AddCredentials(HttpRequestMessage request)
        {
            var target = tool.Target;
            if (!string.IsNullOrEmpty(target.PublicKey) && !string.IsNullOrEmpty(target.SecretKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{target.PublicKey}:{target.SecretKey}")));
            }
            else if (!string.IsNullOrEmpty(target.ApiKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.ApiKey);
            }
            if (!string.IsNullOrEmpty(target.AdminToken))
            {
                request.Headers.Remove("Kong-Admin-Token");
                request.Headers.TryAddWithoutValidation("Kong-Admin-Token", target.AdminToken);
            }
        }

        private async Task SetCookieAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove("Cookie");
            if (await sessions.CookieHeaderAsync(tool, cancellationToken) is { } cookie)
            {
                request.Headers.TryAddWithoutValidation("Cookie", cookie);
            }
        }
    }
}
