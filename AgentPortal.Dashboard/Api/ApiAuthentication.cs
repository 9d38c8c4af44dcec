using System.Security.Claims;
using System.Text.Encodings.Web;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>Marks endpoints of the machine API: auth failures answer with problem details, never a sign-in redirect.</summary>
public sealed class MachineApiMetadata;

/// <summary>
/// Authentication for machine callers (project API keys) beside people's sign-in cookies. The
/// default scheme looks at the request: a Bearer token or the API key header means an API key,
/// anything else the cookie.
/// </summary>
public static class ApiAuthentication
{
    public const string ApiKeyScheme = "ApiKey";
    public const string SelectorScheme = "Portal";
    public const string ProjectClaim = "agentportal:project";
    public const string ScopeClaim = "agentportal:scope";
    public const string IngestPolicy = "api:ingest";
    public const string ReadPolicy = "api:read";
    public const string ChatPolicy = "api:chat";
    public const string KeysPolicy = "people:keys";

    public const string MissingKeyDetail =
        "Send a project API key as 'Authorization: Bearer <key>' (or in the x-api-key header). Create one with: AgentPortal.Dashboard apikey create --project default-project --scopes ingest,read";

    /// <summary>Who is acting, for the audit log: the person's email, or <c>apikey:&lt;prefix&gt;…</c>.</summary>
    public static Core.Audit.AuditActor ActorOf(ClaimsPrincipal user, string? address) =>
        new(user.IsApiKeyCaller() ? "apikey:" + user.Identity?.Name : user.Identity?.Name ?? "anonymous", address);

    public static Core.Audit.AuditActor ActorOf(HttpContext context) => ActorOf(context.User, context.Connection.RemoteIpAddress?.ToString());

    public static bool IsApiKeyCaller(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ProjectClaim);

    /// <summary>The project an API key is limited to; null for signed-in people, who see every project.</summary>
    public static string? CallerProject(this ClaimsPrincipal user) => user.FindFirst(ProjectClaim)?.Value;

    public const string OidcScheme = "oidc";

    public static void AddPortalAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        var authentication = services.AddAuthentication(options =>
            {
                options.DefaultScheme = SelectorScheme;
                options.DefaultChallengeScheme = SelectorScheme;
            })
            .AddPolicyScheme(SelectorScheme, "API key or sign-in cookie", options =>
                options.ForwardDefaultSelector = context => HasApiKey(context) ? ApiKeyScheme : IdentityConstants.ApplicationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null);
        authentication.AddIdentityCookies();
        var oidc = configuration.GetSection(OidcOptions.SectionName).Get<OidcOptions>() ?? new OidcOptions();
        if (oidc.Enabled)
        {
            authentication.AddOpenIdConnect(OidcScheme, oidc.DisplayName, options => SingleSignOn.Configure(options, oidc));
        }

        var authorization = services.AddAuthorizationBuilder();
        PricesApi.AddAdminPolicy(authorization);
        // Pages and every endpoint without a policy of its own are for signed-in people, never for API keys:
        // a key reads the machine API only, within its scopes.
        var person = new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser()
            .RequireAssertion(context => !context.User.IsApiKeyCaller()).Build();
        authorization
            .SetDefaultPolicy(person)
            .SetFallbackPolicy(person)
            .AddPolicy(IngestPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context =>
                context.User.IsApiKeyCaller()
                    ? context.User.HasClaim(ScopeClaim, ApiKeyScopeNames.Ingest)
                    : context.User.IsInRole(PortalRoles.Admin) || context.User.IsInRole(PortalRoles.Operator)))
            .AddPolicy(ChatPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context =>
                context.User.IsApiKeyCaller()
                    ? context.User.HasClaim(ScopeClaim, ApiKeyScopeNames.Chat)
                    : context.User.IsInRole(PortalRoles.Admin) || context.User.IsInRole(PortalRoles.Operator)))
            .AddPolicy(Embeds.EmbedProxy.ViewPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context => !context.User.IsApiKeyCaller()))
            .AddPolicy(KeysPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context => !context.User.IsApiKeyCaller()).RequireRole(PortalRoles.Admin, PortalRoles.Operator))
            .AddPolicy(ReadPolicy, policy => policy.RequireAuthenticatedUser().RequireAssertion(context =>
                !context.User.IsApiKeyCaller() || context.User.HasClaim(ScopeClaim, ApiKeyScopeNames.Read)));
    }

    /// <summary>The Langfuse-compatible OTLP endpoint: Langfuse's SDKs send HTTP Basic (public key : secret key).</summary>
    public const string LangfusePrefix = "/api/public/otel";

    private static bool HasApiKey(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
        || context.Request.Headers.ContainsKey(context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.ApiKeyHeader)
        || LangfuseBasic(context.Request) is not null;

    /// <summary>
    /// On the Langfuse-compatible endpoint only: HTTP Basic whose user name is the public key (here the
    /// project's name) and whose password is the secret key (here a portal API key). Null elsewhere or when absent.
    /// </summary>
    internal static (string PublicKey, string SecretKey)? LangfuseBasic(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!request.Path.StartsWithSegments(LangfusePrefix, StringComparison.OrdinalIgnoreCase) || !authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var pair = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon <= 0 ? null : (pair[..colon], pair[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static string? ReadKey(HttpRequest request, string header)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        var value = request.Headers[header].ToString();
        return value.Length > 0 ? value.Trim() : null;
    }

    internal static Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}

internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys,
    IOptions<ApiOptions> api) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string CreateHint = "Create a new key on the API keys page, or with: AgentPortal.Dashboard apikey create --project <project> --scopes ingest,read";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var basic = ApiAuthentication.LangfuseBasic(Request);
        var secret = basic?.SecretKey ?? ApiAuthentication.ReadKey(Request, api.Value.ApiKeyHeader);
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }
        var check = await keys.CheckAsync(secret, Context.RequestAborted);
        if (check.Identity is not { } identity)
        {
            return AuthenticateResult.Fail(check.Rejection switch
            {
                ApiKeyRejection.Revoked => "This API key has been revoked. " + CreateHint,
                ApiKeyRejection.Expired => "This API key has expired. " + CreateHint,
                _ => "The API key is not valid. Check that the whole key was copied. " + CreateHint,
            });
        }
        if (basic is { } pair && pair.PublicKey != identity.ProjectId)
        {
            return AuthenticateResult.Fail($"The public key '{pair.PublicKey}' does not name this key's project. Set the Langfuse public key to the project of the API key: '{identity.ProjectId}'.");
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, "apikey:" + identity.KeyId),
            new(ClaimTypes.Name, identity.Prefix + "…"),
            new(ApiAuthentication.ProjectClaim, identity.ProjectId),
        };
        if (identity.Scopes.HasFlag(ApiKeyScopes.Ingest))
        {
            claims.Add(new Claim(ApiAuthentication.ScopeClaim, ApiKeyScopeNames.Ingest));
        }
        if (identity.Scopes.HasFlag(ApiKeyScopes.Read))
        {
            claims.Add(new Claim(ApiAuthentication.ScopeClaim, ApiKeyScopeNames.Read));
        }
        if (identity.Scopes.HasFlag(ApiKeyScopes.Chat))
        {
            claims.Add(new Claim(ApiAuthentication.ScopeClaim, ApiKeyScopeNames.Chat));
        }
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name)), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.WWWAuthenticate = "Bearer";
        await ApiAuthentication.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized, "API key required",
            result.Failure is null ? ApiAuthentication.MissingKeyDetail : result.Failure.Message);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiAuthentication.WriteProblemAsync(Context, StatusCodes.Status403Forbidden, "Scope missing",
            "This API key lacks the scope this endpoint needs: registering agents and starting or ending runs need 'ingest'; reading agents, stats and traces needs 'read'; chat needs 'chat'.");
}
