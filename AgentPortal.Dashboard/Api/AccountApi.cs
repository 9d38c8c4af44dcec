using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Identity;

namespace AgentPortal.Dashboard.Api;

public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        // A form post with an antiforgery token from the layout's sign-out button.
        app.MapPost("/account/logout", async (SignInManager<PortalUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        });
        return app;
    }
}
