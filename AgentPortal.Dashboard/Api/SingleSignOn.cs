using System.Security.Claims;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Optional single sign-on with an OpenID Connect provider (authorization code with PKCE). The
/// provider's answer lands in Identity's external cookie; the callback turns it into a portal
/// account, mapping the role claim, and signs that account in like a local one.
/// </summary>
public static class SingleSignOn
{
    public const string CallbackPath = "/signin-oidc";

    internal static void Configure(OpenIdConnectOptions options, OidcOptions oidc)
    {
        options.SignInScheme = IdentityConstants.ExternalScheme;
        options.Authority = oidc.Authority;
        options.ClientId = oidc.ClientId;
        options.ClientSecret = oidc.ClientSecret;
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        options.CallbackPath = CallbackPath;
        options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
        options.SaveTokens = false;
        // Keep the provider's claim names (email, roles, groups) as they are, so RoleClaim means what the provider says.
        options.MapInboundClaims = false;
        options.GetClaimsFromUserInfoEndpoint = false;
        options.Scope.Clear();
        foreach (var scope in oidc.Scopes)
        {
            options.Scope.Add(scope);
        }
        options.TokenValidationParameters.NameClaimType = "email";
        options.TokenValidationParameters.RoleClaimType = oidc.RoleClaim;
        options.Events.OnRemoteFailure = context =>
        {
            context.Response.Redirect("/account/login?error=" + Uri.EscapeDataString("Single sign-on failed: " + (context.Failure?.Message ?? "the provider did not sign you in.")));
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    /// <summary>The highest portal role the person's claims map to, else the default role; null refuses them.</summary>
    public static string? RoleFor(ClaimsPrincipal principal, OidcOptions oidc)
    {
        var values = principal.FindAll(oidc.RoleClaim).SelectMany(c => c.Value.Split(' ', ',')).ToHashSet(StringComparer.Ordinal);
        var mapped = oidc.RoleMapping.Where(m => values.Contains(m.Key)).Select(m => m.Value).ToList();
        foreach (var role in PortalRoles.All)
        {
            if (mapped.Contains(role))
            {
                return role;
            }
        }
        return string.IsNullOrEmpty(oidc.DefaultRole) ? null : oidc.DefaultRole;
    }

    public static IEndpointRouteBuilder MapSingleSignOn(this IEndpointRouteBuilder app)
    {
        // A form post from the sign-in page (antiforgery-checked) starts the provider's sign-in.
        app.MapPost("/account/external-login", (HttpContext context, SignInManager<PortalUser> signIn, IOptions<OidcOptions> oidc, [Microsoft.AspNetCore.Mvc.FromForm] string? returnUrl) =>
        {
            if (!oidc.Value.Enabled)
            {
                return Results.LocalRedirect("/account/login");
            }
            var callback = "/account/external-callback?returnUrl=" + Uri.EscapeDataString(Components.Pages.Account.Login.SafeReturnUrl(returnUrl));
            return Results.Challenge(signIn.ConfigureExternalAuthenticationProperties(ApiAuthentication.OidcScheme, callback), [ApiAuthentication.OidcScheme]);
        }).AllowAnonymous();

        app.MapGet("/account/external-callback", CallbackAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> CallbackAsync(
        HttpContext context,
        SignInManager<PortalUser> signIn,
        UserManager<PortalUser> users,
        IOptions<OidcOptions> oidc,
        AuditLog audit,
        TimeProvider time,
        string? returnUrl)
    {
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null)
        {
            return Refuse("The single sign-on answer was missing or expired. Try again.");
        }
        var email = info.Principal.FindFirstValue("email") ?? info.Principal.FindFirstValue(ClaimTypes.Email);
        var actor = new AuditActor(email ?? $"{info.LoginProvider}:{info.ProviderKey}", context.Connection.RemoteIpAddress?.ToString());
        if (string.IsNullOrWhiteSpace(email))
        {
            await audit.RecordAsync(actor, AuditActions.SignInFailed, actor.Name, "single sign-on without an email claim", succeeded: false);
            return Refuse("The provider did not send an email address. Ask its administrator to release the 'email' claim to AgentPortal.");
        }
        var role = RoleFor(info.Principal, oidc.Value);
        var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey) ?? await users.FindByEmailAsync(email);
        if (user is null)
        {
            if (role is null)
            {
                await audit.RecordAsync(actor, AuditActions.SignInFailed, email, "single sign-on: no role mapped", succeeded: false);
                return Refuse($"{email} has no AgentPortal role: none of the '{oidc.Value.RoleClaim}' claims is mapped. Ask an Admin to map your group in Authentication:Oidc:RoleMapping.");
            }
            user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                return Refuse("Could not create your account: " + string.Join(" ", created.Errors.Select(e => e.Description)));
            }
            await users.AddToRoleAsync(user, role);
            await audit.RecordAsync(actor, AuditActions.UserCreated, email, $"by single sign-on, role {role}");
        }
        var logins = await users.GetLoginsAsync(user);
        if (!logins.Any(l => l.LoginProvider == info.LoginProvider && l.ProviderKey == info.ProviderKey))
        {
            await users.AddLoginAsync(user, info);
        }
        // People who came in by SSO get their role from the provider at every sign-in; local accounts keep theirs.
        if (!await users.HasPasswordAsync(user))
        {
            var current = await users.GetRolesAsync(user);
            if (role is null)
            {
                return Refuse($"{email} no longer has an AgentPortal role at the provider.");
            }
            if (!(current.Count == 1 && current[0] == role))
            {
                await users.RemoveFromRolesAsync(user, current);
                await users.AddToRoleAsync(user, role);
                await audit.RecordAsync(actor, AuditActions.RolesChanged, email, $"by single sign-on: {string.Join(",", current)} → {role}");
            }
        }
        var result = await signIn.ExternalLoginSignInAsync(info.LoginProvider, info.ProviderKey, isPersistent: false, bypassTwoFactor: true);
        await context.SignOutAsync(IdentityConstants.ExternalScheme);
        if (!result.Succeeded)
        {
            await audit.RecordAsync(actor, AuditActions.SignInFailed, email, result.IsLockedOut ? "single sign-on: locked out" : "single sign-on: account disabled", succeeded: false);
            return Refuse(result.IsLockedOut ? Components.UiText.Login.LockedOut : Components.UiText.Login.Disabled);
        }
        await audit.RecordAsync(actor, AuditActions.SignIn, email, "single sign-on");
        return Results.LocalRedirect(Components.Pages.Account.Login.SafeReturnUrl(returnUrl));
    }

    private static IResult Refuse(string message) => Results.LocalRedirect("/account/login?error=" + Uri.EscapeDataString(message));
}
