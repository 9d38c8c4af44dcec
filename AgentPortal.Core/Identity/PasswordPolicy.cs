using Microsoft.AspNetCore.Identity;

namespace AgentPortal.Core.Identity;

/// <summary>
/// The portal's password rules, in one place for the app and its tests: length over composition
/// rules (NIST SP 800-63B), and four distinct characters so 'aaaaaaaaaaaa' is refused. The
/// passwords the portal generates meet them.
/// </summary>
public static class PasswordPolicy
{
    public static void Apply(PasswordOptions password)
    {
        password.RequiredLength = Configuration.BootstrapOptions.MinimumPasswordLength;
        password.RequiredUniqueChars = 4;
        password.RequireDigit = false;
        password.RequireLowercase = false;
        password.RequireUppercase = false;
        password.RequireNonAlphanumeric = false;
    }
}
