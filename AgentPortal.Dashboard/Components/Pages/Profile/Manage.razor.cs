using System.ComponentModel.DataAnnotations;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Api;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;

namespace AgentPortal.Dashboard.Components.Pages.Profile;

public partial class Manage
{
    private string? _message;
    private bool _succeeded;
    private bool _hasPassword = true;

    [Inject]
    public required UserManager<PortalUser> Users { get; init; }

    [Inject]
    public required SignInManager<PortalUser> SignIn { get; init; }

    [Inject]
    public required AuditLog Audit { get; init; }

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private ChangePasswordInput Input { get; set; } = default!;

    // Text, not bool: a hand-edited address must not fail the page.
    [SupplyParameterFromQuery(Name = "required")]
    private string? RequiredText { get; set; }

    private bool Required => RequiredText is "1" or "true";

    protected override async Task OnInitializedAsync()
    {
        Input ??= new ChangePasswordInput();
        if (await Users.GetUserAsync(HttpContext.User) is { } user)
        {
            _hasPassword = await Users.HasPasswordAsync(user);
        }
    }

    private async Task ChangePasswordAsync()
    {
        var user = await Users.GetUserAsync(HttpContext.User);
        if (user is null)
        {
            _message = "Your account no longer exists.";
            return;
        }
        var result = await Users.ChangePasswordAsync(user, Input.Current, Input.New);
        if (!result.Succeeded)
        {
            _succeeded = false;
            _message = string.Join(" ", result.Errors.Select(e => e.Code == "PasswordMismatch" ? "The current password is not right." : e.Description));
            return;
        }
        user.MustChangePassword = false;
        await Users.UpdateAsync(user);
        // The password change gave the account a new security stamp: other sessions end, this one is renewed.
        await SignIn.RefreshSignInAsync(user);
        await Audit.RecordAsync(ApiAuthentication.ActorOf(HttpContext), AuditActions.PasswordChanged, user.Email, null);
        _succeeded = true;
        _message = UiText.Manage.Changed;
        Input = new ChangePasswordInput();
    }

    internal sealed class ChangePasswordInput
    {
        [Required(ErrorMessage = "Enter your current password.")]
        public string Current { get; set; } = "";

        [Required(ErrorMessage = "Enter a new password.")]
        [StringLength(256, MinimumLength = Core.Configuration.BootstrapOptions.MinimumPasswordLength, ErrorMessage = "Use at least {2} characters; a few words together work well.")]
        public string New { get; set; } = "";

        [Compare(nameof(New), ErrorMessage = "The two new passwords differ.")]
        public string Confirm { get; set; } = "";
    }
}
