using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace AgentPortal.Dashboard.Api;

public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        // A form post with an antiforgery token from the layout's sign-out button.
        app.MapPost("/account/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<PortalUser> signIn) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest();
            }
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });

        // Ends every session of this account on every device and replica: a new security stamp makes
        // every other cookie fail its next check (Security:SessionRevalidationInterval).
        app.MapPost("/account/signout-everywhere", async (HttpContext context, IAntiforgery antiforgery, SignInManager<PortalUser> signIn, UserManager<PortalUser> users, AuditLog audit) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest();
            }
            if (await users.GetUserAsync(context.User) is { } user)
            {
                await users.UpdateSecurityStampAsync(user);
                await audit.RecordAsync(ApiAuthentication.ActorOf(context), AuditActions.SignedOutEverywhere, user.Email, null);
            }
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login?signedOut=everywhere");
        });
        return app;
    }
}
