using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Identity;

public sealed record UserSummary(string Id, string Email, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, bool LockedOut);

/// <summary>Read access to the portal's people for administration pages.</summary>
public sealed class UserDirectory(UserManager<PortalUser> users, TimeProvider time)
{
    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var result = new List<UserSummary>(all.Count);
        foreach (var user in all)
        {
            var roles = await users.GetRolesAsync(user);
            result.Add(new UserSummary(user.Id, user.Email ?? user.UserName ?? user.Id, [.. roles.Order()], user.CreatedAt,
                user.LockoutEnd is { } end && end > now));
        }
        return result;
    }
}
