using System.ComponentModel.DataAnnotations;
using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;

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

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private LoginInput Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Input ??= new LoginInput();
        if (HttpMethods.IsGet(HttpContext.Request.Method))
        {
            // A fresh sign-in page drops any stale external cookie.
            await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        }
    }

    private async Task SignInAsync()
    {
        var result = await SignIn.PasswordSignInAsync(Input.Email, Input.Password, Input.RememberMe, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            Logger.LogInformation("User {Email} signed in", Input.Email);
            Navigation.NavigateTo(SafeReturnUrl(ReturnUrl));
            return;
        }

        if (result.IsLockedOut)
        {
            Logger.LogWarning("User {Email} is locked out after failed sign-ins", Input.Email);
            _error = UiText.Login.LockedOut;
        }
        else
        {
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
