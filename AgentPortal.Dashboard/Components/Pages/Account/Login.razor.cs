using System.ComponentModel.DataAnnotations;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Components.Pages.Account;

public partial class Login
{
    private string? _error;

    [Inject]
    public required SignInManager<PortalUser> SignIn { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<Login> Logger { get; init; }

    [Inject]
    public required AuditLog Audit { get; init; }

    [Inject]
    public required UserManager<PortalUser> Users { get; init; }

    [Inject]
    public required IOptions<OidcOptions> Oidc { get; init; }

    [SupplyParameterFromQuery(Name = "error")]
    private string? ErrorFromQuery { get; set; }

    [SupplyParameterFromQuery(Name = "signedOut")]
    private string? SignedOut { get; set; }

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private LoginInput Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Input ??= new LoginInput();
        if (ErrorFromQuery is { Length: > 0 } error)
        {
            // Shown as text (Razor encodes it); only messages this portal writes reach here in practice.
            _error = error.Length > 300 ? error[..300] : error;
        }
        if (HttpMethods.IsGet(HttpContext.Request.Method))
        {
            // A fresh sign-in page drops any stale external cookie.
            await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        }
    }

    private async Task SignInAsync()
    {
        var actor = new AuditActor(Input.Email, HttpContext.Connection.RemoteIpAddress?.ToString());
        var result = await SignIn.PasswordSignInAsync(Input.Email, Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            Logger.LogInformation("User {Email} signed in", Input.Email);
            await Audit.RecordAsync(actor, AuditActions.SignIn, Input.Email, "password");
            var user = await Users.FindByEmailAsync(Input.Email);
            // A generated password (new account or reset) is replaced before anything else.
            Navigation.NavigateTo(user is { MustChangePassword: true } ? "/account/manage?required=1" : SafeReturnUrl(ReturnUrl));
            return;
        }

        if (result.IsLockedOut)
        {
            Logger.LogWarning("User {Email} is locked out after failed sign-ins", Input.Email);
            await Audit.RecordAsync(actor, AuditActions.LockedOut, Input.Email, "too many failed sign-ins", succeeded: false);
            _error = UiText.Login.LockedOut;
        }
        else if (result.IsNotAllowed)
        {
            await Audit.RecordAsync(actor, AuditActions.SignInFailed, Input.Email, "account disabled", succeeded: false);
            _error = UiText.Login.Disabled;
        }
        else
        {
            await Audit.RecordAsync(actor, AuditActions.SignInFailed, Input.Email, "wrong email or password", succeeded: false);
            _error = UiText.Login.Failed;
        }
    }

    /// <summary>Only local paths are followed after sign-in, so the page cannot be used to redirect elsewhere.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/account/", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";

    internal sealed class LoginInput
    {
        [Required(ErrorMessage = "Enter your email address.")]
        [EmailAddress(ErrorMessage = "Enter an email address such as admin@example.com.")]
        public string Email { get; set; } = "";

        [Required(ErrorMessage = "Enter your password.")]
        [DataType(DataType.Password)]
        public string Password { get; set; } = "";

        public bool RememberMe { get; set; }
    }
}
