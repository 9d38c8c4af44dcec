using Microsoft.AspNetCore.Identity;

namespace AgentPortal.Core.Identity;

public sealed class PortalUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }
}
