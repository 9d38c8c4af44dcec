using System.Security.Claims;
using System.Threading.RateLimiting;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Api;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>Marks the endpoints whose requests count against the per-key ingestion rate limit.</summary>
public sealed class IngestRateLimitMetadata;

/// <summary>
/// The portal's hardening: account lockout and session checks from <see cref="SecurityOptions"/>,
/// rate limits on sign-in (per address) and ingestion (per key), CORS closed unless configured,
/// HTTPS/HSTS when asked for, and the security headers on every response.
/// </summary>
public static class SecurityServiceExtensions
{
    public const string SignInPath = "/account/login";

    public static IServiceCollection AddPortalSecurity(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddOptions<IdentityOptions>().Configure<IOptions<SecurityOptions>>((identity, security) =>
        {
            identity.Lockout.MaxFailedAccessAttempts = security.Value.MaxFailedSignIns;
            identity.Lockout.DefaultLockoutTimeSpan = security.Value.LockoutDuration;
            identity.Lockout.AllowedForNewUsers = true;
        });
        services.AddOptions<SecurityStampValidatorOptions>().Configure<IOptions<SecurityOptions>>((stamp, security) =>
            stamp.ValidationInterval = security.Value.SessionRevalidationInterval);
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme).Configure<IOptions<SecurityOptions>>((cookie, security) =>
        {
            cookie.ExpireTimeSpan = security.Value.SessionLifetime;
            cookie.Cookie.SecurePolicy = security.Value.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ExternalScheme).Configure<IOptions<SecurityOptions>>((cookie, security) =>
            cookie.Cookie.SecurePolicy = security.Value.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest);
        services.AddOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>().Configure<IOptions<SecurityOptions>>((antiforgery, security) =>
            antiforgery.Cookie.SecurePolicy = security.Value.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest);
        services.AddOptions<HstsOptions>().Configure<IOptions<SecurityOptions>>((hsts, security) =>
        {
            hsts.MaxAge = security.Value.HstsMaxAge;
            hsts.IncludeSubDomains = false;
        });

        // Open pages re-check the account on the same schedule as the cookie.
        services.AddScoped<AuthenticationStateProvider, RevalidatingPortalAuthenticationStateProvider>();

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<SecurityOptions>>((cors, security) =>
        {
            if (security.Value.CorsOrigins.Length > 0)
            {
                // API keys travel in headers, never cookies: no credentials are allowed cross-origin.
                cors.AddDefaultPolicy(policy => policy.WithOrigins(security.Value.CorsOrigins).AllowAnyHeader().AllowAnyMethod());
            }
        });

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : 1;
                var context = rejected.HttpContext;
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var signIn = IsSignInPost(context.Request);
                await ApiAuthentication.WriteProblemAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
                    signIn
                        ? $"Too many sign-in attempts from this address. Wait {seconds} s and try again."
                        : $"This API key sent more than Security:IngestRequestsPerSecond requests per second. Retry after {seconds} s, or batch more spans per request.");
            };
        });
        return services;
    }

    public static WebApplication UsePortalSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (security.RequireHttps)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        app.Use(static (context, next) =>
        {
            // Hex, not base64: a "+" would be HTML-encoded in the page and no longer read as the same text.
            context.Items[NonceKey] = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            context.Response.OnStarting(static state => AddSecurityHeaders((HttpContext)state), context);
            return next(context);
        });
        app.UseCors();
        app.UseRateLimiter();
        return app;
    }

    private const string NonceKey = "agentportal:csp-nonce";

    /// <summary>This response's script nonce: the one inline script, Blazor's import map, carries it.</summary>
    public static string? NonceOf(HttpContext context) => context.Items[NonceKey] as string;

    /// <summary>
    /// The portal's own pages may load only their own scripts (and the import map with this response's
    /// nonce); frames may only come from the portal's origin, which is where the embedded tools are
    /// served (/embed/*). MudBlazor sets inline styles, so styles allow 'unsafe-inline'; scripts do not.
    /// </summary>
    public static string ContentSecurityPolicy(string? nonce) =>
        $"default-src 'self'; script-src 'self'{(nonce is null ? "" : $" 'nonce-{nonce}'")}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
        "connect-src 'self' ws: wss:; frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'";

    /// <summary>An embedded tool's pages run their own scripts; they may only be framed by the portal.</summary>
    public const string EmbedContentSecurityPolicy = "frame-ancestors 'self'";

    private static Task AddSecurityHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "SAMEORIGIN";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(Embeds.EmbedProxy.PathPrefix, StringComparison.OrdinalIgnoreCase)
            ? EmbedContentSecurityPolicy
            : ContentSecurityPolicy(NonceOf(context));
        return Task.CompletedTask;
    }

    private static bool IsSignInPost(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals(SignInPath, StringComparison.OrdinalIgnoreCase);

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var security = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (IsSignInPost(context.Request))
        {
            var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            var perMinute = security.SignInRequestsPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter($"signin:{address}:{perMinute}", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        }
        var perSecond = security.IngestRequestsPerSecond;
        if (perSecond > 0 && context.GetEndpoint()?.Metadata.GetMetadata<IngestRateLimitMetadata>() is not null)
        {
            var api = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
            var key = ApiAuthentication.LangfuseBasic(context.Request)?.SecretKey ?? ApiAuthentication.ReadKey(context.Request, api.ApiKeyHeader);
            // Partitioned by the key's hash, so the key itself is not kept as a dictionary key in memory.
            var partition = key is null ? "anonymous:" + context.Connection.RemoteIpAddress : Core.Security.ApiKeyService.HashOf(key);
            return RateLimitPartition.GetTokenBucketLimiter($"ingest:{partition}:{perSecond}", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
        }
        return RateLimitPartition.GetNoLimiter("");
    }
}

/// <summary>Signs in only accounts that are not disabled.</summary>
public sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public override async Task<bool> CanSignInAsync(PortalUser user) => user.DisabledAt is null && await base.CanSignInAsync(user);
}

/// <summary>
/// Ends an open page's session when the account is disabled, its role or projects change, its
/// password is reset or it signs out everywhere: all of those change the security stamp.
/// </summary>
internal sealed class RevalidatingPortalAuthenticationStateProvider(
    ILoggerFactory loggers,
    IServiceScopeFactory scopes,
    IOptions<IdentityOptions> identity,
    IOptions<SecurityOptions> security) : RevalidatingServerAuthenticationStateProvider(loggers)
{
    protected override TimeSpan RevalidationInterval =>
        security.Value.SessionRevalidationInterval < TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : security.Value.SessionRevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.GetUserAsync(authenticationState.User);
        if (user is null || user.DisabledAt is not null)
        {
            return false;
        }
        if (!users.SupportsUserSecurityStamp)
        {
            return true;
        }
        var stamp = authenticationState.User.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
        return stamp == await users.GetSecurityStampAsync(user);
    }
}
