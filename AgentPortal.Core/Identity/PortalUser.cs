using Microsoft.AspNetCore.Identity;

namespace AgentPortal.Core.Identity;

public sealed class PortalUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Set when an Admin disables the account: it cannot sign in and its sessions end.</summary>
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>Set when the account was created or its password reset with a generated password; cleared when the person sets their own.</summary>
    public bool MustChangePassword { get; set; }
}
