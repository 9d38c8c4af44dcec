using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>Sign-in, session, rate-limit and browser-facing hardening settings.</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>Failed sign-ins in a row before an account is locked.</summary>
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a sign-in lasts without activity (the cookie slides while it is used).</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How often a session is checked against the account (disabled, role changed, signed out
    /// everywhere, password reset); also how often an open page re-checks. Zero checks on every request.
    /// </summary>
    public TimeSpan SessionRevalidationInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sign-in form posts allowed per client address per minute; more answer 429.</summary>
    public int SignInRequestsPerMinute { get; set; } = 20;

    /// <summary>Ingestion requests allowed per API key per second (a token bucket with the same burst); 0 turns the limit off.</summary>
    public int IngestRequestsPerSecond { get; set; } = 1000;

    /// <summary>Origins allowed to call the HTTP API from a browser (CORS). Empty, the default, allows none.</summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>
    /// Production behind TLS: redirect HTTP to HTTPS, send HSTS and mark every cookie Secure. Leave off
    /// when a proxy in front terminates TLS and forwards plain HTTP without X-Forwarded-Proto.
    /// </summary>
    public bool RequireHttps { get; set; }

    /// <summary>How long browsers remember to use HTTPS only (HSTS max-age), when <see cref="RequireHttps"/> is on.</summary>
    public TimeSpan HstsMaxAge { get; set; } = TimeSpan.FromDays(365);
}

public sealed class ValidateSecurityOptions : IValidateOptions<SecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, SecurityOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.MaxFailedSignIns is < 1 or > 100)
        {
            problems.Add("Security:MaxFailedSignIns", $"{options.MaxFailedSignIns} is out of range.", "1 to 100", "5");
        }
        if (options.LockoutDuration < TimeSpan.FromSeconds(1) || options.LockoutDuration > TimeSpan.FromDays(1))
        {
            problems.Add("Security:LockoutDuration", $"{options.LockoutDuration} is out of range.", "00:00:01 to 1.00:00:00", "00:05:00");
        }
        if (options.SessionLifetime < TimeSpan.FromMinutes(1) || options.SessionLifetime > TimeSpan.FromDays(90))
        {
            problems.Add("Security:SessionLifetime", $"{options.SessionLifetime} is out of range.", "00:01:00 to 90.00:00:00", "7.00:00:00");
        }
        if (options.SessionRevalidationInterval < TimeSpan.Zero || options.SessionRevalidationInterval > TimeSpan.FromHours(1))
        {
            problems.Add("Security:SessionRevalidationInterval", $"{options.SessionRevalidationInterval} is out of range.", "00:00:00 to 01:00:00", "00:01:00");
        }
        if (options.SignInRequestsPerMinute is < 1 or > 100_000)
        {
            problems.Add("Security:SignInRequestsPerMinute", $"{options.SignInRequestsPerMinute} is out of range.", "1 to 100000", "20");
        }
        if (options.IngestRequestsPerSecond is < 0 or > 1_000_000)
        {
            problems.Add("Security:IngestRequestsPerSecond", $"{options.IngestRequestsPerSecond} is out of range.", "0 (off) to 1000000", "1000");
        }
        foreach (var origin in options.CorsOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
            {
                problems.Add("Security:CorsOrigins", $"{ConfigurationProblems.Quote(origin)} is not an origin.", "scheme, host and optional port, without a path", "https://tools.example.com");
            }
        }
        return problems.ToResult();
    }
}

/// <summary>Single sign-on with an OpenID Connect provider, beside the portal's own accounts.</summary>
public sealed class OidcOptions
{
    public const string SectionName = "Authentication:Oidc";

    /// <summary>The provider's issuer URL, e.g. https://login.example.com/realms/main. Empty: SSO off.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Never logged or shown.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The button text on the sign-in page.</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>The claim of the ID token (or user info) that carries the person's groups or roles.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Claim value → portal role, e.g. <c>"portal-admins": "Admin"</c>. The highest mapped role wins.</summary>
    public Dictionary<string, string> RoleMapping { get; set; } = [];

    /// <summary>The role of a person none of whose claims is mapped; empty refuses them.</summary>
    public string? DefaultRole { get; set; } = "Viewer";

    /// <summary>Allow plain-HTTP authorities (only for tests and labs).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public string[] Scopes { get; set; } = ["openid", "profile", "email"];

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

public sealed class ValidateOidcOptions : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }
        var problems = new ConfigurationProblems();
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("http" or "https"))
        {
            problems.Add("Authentication:Oidc:Authority", $"{ConfigurationProblems.Quote(options.Authority)} is not an absolute URL.", "the provider's issuer URL", "https://login.example.com/realms/main");
        }
        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            problems.Add("Authentication:Oidc:ClientId", "is not set, but Authentication:Oidc:Authority is.", "the client id registered at the provider", "agentportal");
        }
        var roles = Identity.PortalRoles.All;
        foreach (var (claim, role) in options.RoleMapping)
        {
            if (!roles.Contains(role))
            {
                problems.Add($"Authentication:Oidc:RoleMapping:{claim}", $"'{role}' is not a portal role.", string.Join(", ", roles), "Operator");
            }
        }
        if (!string.IsNullOrEmpty(options.DefaultRole) && !roles.Contains(options.DefaultRole))
        {
            problems.Add("Authentication:Oidc:DefaultRole", $"'{options.DefaultRole}' is not a portal role.", string.Join(", ", roles) + ", or empty to refuse unmapped people", "Viewer");
        }
        return problems.ToResult();
    }
}

/// <summary>One tool shown inside the portal through its authenticated reverse proxy.</summary>
public sealed class EmbedTarget
{
    /// <summary>The tool's base URL as the portal reaches it, e.g. http://langfuse:3000. Empty: not configured.</summary>
    public string? Url { get; set; }

    /// <summary>Langfuse: the project's public key, sent with <see cref="SecretKey"/> as HTTP Basic to its API.</summary>
    public string? PublicKey { get; set; }

    /// <summary>Langfuse: the project's secret key. Never sent to the browser, logged or shown.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Helicone: an API key sent as a Bearer token. Never sent to the browser.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Kong: the admin token sent as Kong-Admin-Token (Kong's RBAC). Never sent to the browser.</summary>
    public string? AdminToken { get; set; }

    /// <summary>A service account the portal signs in with for the tool's own UI session (NextAuth credentials, as Langfuse uses).</summary>
    public string? ServiceAccountEmail { get; set; }

    public string? ServiceAccountPassword { get; set; }

    /// <summary>Where the tool hands out its CSRF token for the sign-in form.</summary>
    public string SignInCsrfPath { get; set; } = "/api/auth/csrf";

    /// <summary>Where the tool takes the service account's email and password.</summary>
    public string SignInPath { get; set; } = "/api/auth/callback/credentials";

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public bool SignsIn => !string.IsNullOrEmpty(ServiceAccountEmail) && !string.IsNullOrEmpty(ServiceAccountPassword);
}

/// <summary>The tools embedded at /tools/*: Langfuse, Helicone and the Kong admin UI.</summary>
public sealed class EmbedOptions
{
    public const string SectionName = "Embeds";

    public EmbedTarget Langfuse { get; set; } = new();

    public EmbedTarget Helicone { get; set; } = new();

    public EmbedTarget KongAdmin { get; set; } = new();
}

public sealed class ValidateEmbedOptions : IValidateOptions<EmbedOptions>
{
    public ValidateOptionsResult Validate(string? name, EmbedOptions options)
    {
        var problems = new ConfigurationProblems();
        Check(problems, "Embeds:Langfuse", options.Langfuse, "http://langfuse:3000");
        Check(problems, "Embeds:Helicone", options.Helicone, "http://helicone:3000");
        Check(problems, "Embeds:KongAdmin", options.KongAdmin, "http://kong:8002");
        return problems.ToResult();
    }

    private static void Check(ConfigurationProblems problems, string section, EmbedTarget target, string example)
    {
        if (target.Enabled && !(Uri.TryCreate(target.Url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            problems.Add($"{section}:Url", $"{ConfigurationProblems.Quote(target.Url)} is not an http(s) URL.", "the tool's base URL as the portal reaches it", example);
        }
        if (string.IsNullOrEmpty(target.ServiceAccountEmail) != string.IsNullOrEmpty(target.ServiceAccountPassword))
        {
            problems.Add($"{section}:ServiceAccountPassword", "the service account needs both an email and a password.", $"both {section}:ServiceAccountEmail and {section}:ServiceAccountPassword, or neither", "portal@example.com");
        }
        if (string.IsNullOrEmpty(target.PublicKey) != string.IsNullOrEmpty(target.SecretKey))
        {
            problems.Add($"{section}:SecretKey", "the key pair needs both a public and a secret key.", $"both {section}:PublicKey and {section}:SecretKey, or neither", "sk-lf-…");
        }
    }
}
