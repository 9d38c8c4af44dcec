using System.Security.Claims;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Identity;

public sealed record UserSummary(
    string Id,
    string Email,
    IReadOnlyList<string> Roles,
    DateTimeOffset CreatedAt,
    bool LockedOut,
    IReadOnlyList<string>? Projects = null,
    bool Disabled = false,
    bool MustChangePassword = false,
    bool External = false)
{
    public string Role => Roles.Count > 0 ? Roles[0] : "";
}

/// <summary>A password the portal generated: shown to the Admin once and never stored in clear.</summary>
public sealed record GeneratedPassword(UserSummary User, string Password);

/// <summary>
/// The portal's people for the Users page: create, give a role and projects, disable, reset a
/// password. Every change ends the person's other sessions where it changes what they may do
/// (the security stamp), and is written to the audit log.
/// </summary>
public sealed class UserDirectory(UserManager<PortalUser> users, TimeProvider time, AuditLog audit)
{
    /// <summary>The claim naming a project an Operator manages API keys for; one claim per project.</summary>
    public const string ProjectClaim = "agentportal:user-project";

    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var result = new List<UserSummary>(all.Count);
        foreach (var user in all)
        {
            result.Add(await SummaryAsync(user));
        }
        return result;
    }

    /// <summary>Creates an account with a generated password that the person must change at first sign-in.</summary>
    public async Task<GeneratedPassword> CreateAsync(string email, string role, IReadOnlyList<string> projects, AuditActor actor, CancellationToken cancellationToken)
    {
        email = email.Trim();
        if (!new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email) || email.Length > 256)
        {
            throw ValidationFailedException.For("email", "Give an email address such as jane@example.com.");
        }
        RequireRole(role);
        if (await users.FindByEmailAsync(email) is not null)
        {
            throw ValidationFailedException.For("email", $"{email} already has an account.");
        }
        var password = PortalDatabaseInitializer.GeneratePassword();
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, CreatedAt = time.GetUtcNow(), MustChangePassword = true };
        ThrowIfFailed(await users.CreateAsync(user, password), "email");
        ThrowIfFailed(await users.AddToRoleAsync(user, role), "role");
        await ReplaceProjectsAsync(user, projects);
        await audit.RecordAsync(actor, AuditActions.UserCreated, email, $"role {role}{ProjectsText(projects)}", cancellationToken: cancellationToken);
        return new GeneratedPassword(await SummaryAsync(user), password);
    }

    public async Task<UserSummary> SetRoleAsync(string userId, string role, AuditActor actor, CancellationToken cancellationToken)
    {
        RequireRole(role);
        var user = await FindAsync(userId);
        var current = await users.GetRolesAsync(user);
        if (current.Count == 1 && current[0] == role)
        {
            return await SummaryAsync(user);
        }
        if (current.Contains(PortalRoles.Admin) && role != PortalRoles.Admin)
        {
            await RequireAnotherAdminAsync(user, "take the Admin role from");
        }
        ThrowIfFailed(await users.RemoveFromRolesAsync(user, current), "role");
        ThrowIfFailed(await users.AddToRoleAsync(user, role), "role");
        // The role is in the sign-in cookie: a new stamp makes every session pick up the change.
        await users.UpdateSecurityStampAsync(user);
        await audit.RecordAsync(actor, AuditActions.RolesChanged, user.Email, $"{string.Join(",", current)} → {role}", cancellationToken: cancellationToken);
        return await SummaryAsync(user);
    }

    public async Task<UserSummary> SetProjectsAsync(string userId, IReadOnlyList<string> projects, AuditActor actor, CancellationToken cancellationToken)
    {
        var user = await FindAsync(userId);
        await ReplaceProjectsAsync(user, projects);
        await users.UpdateSecurityStampAsync(user);
        await audit.RecordAsync(actor, AuditActions.ProjectsChanged, user.Email, projects.Count == 0 ? "no projects" : string.Join(", ", projects), cancellationToken: cancellationToken);
        return await SummaryAsync(user);
    }

    /// <summary>Disabled accounts cannot sign in, and their open sessions end at the next check.</summary>
    public async Task<UserSummary> SetDisabledAsync(string userId, bool disabled, AuditActor actor, CancellationToken cancellationToken)
    {
        var user = await FindAsync(userId);
        if (disabled == user.DisabledAt is not null)
        {
            return await SummaryAsync(user);
        }
        if (disabled)
        {
            if (string.Equals(user.Email, actor.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw ValidationFailedException.For("user", "You cannot disable your own account; ask another Admin.");
            }
            if (await users.IsInRoleAsync(user, PortalRoles.Admin))
            {
                await RequireAnotherAdminAsync(user, "disable");
            }
        }
        user.DisabledAt = disabled ? time.GetUtcNow() : null;
        ThrowIfFailed(await users.UpdateAsync(user), "user");
        await users.UpdateSecurityStampAsync(user);
        await audit.RecordAsync(actor, disabled ? AuditActions.UserDisabled : AuditActions.UserEnabled, user.Email, null, cancellationToken: cancellationToken);
        return await SummaryAsync(user);
    }

    /// <summary>A new generated password, shown once; the person must change it at next sign-in, and every session ends.</summary>
    public async Task<GeneratedPassword> ResetPasswordAsync(string userId, AuditActor actor, CancellationToken cancellationToken)
    {
        var user = await FindAsync(userId);
        if (await users.HasPasswordAsync(user))
        {
            ThrowIfFailed(await users.RemovePasswordAsync(user), "password");
        }
        var password = PortalDatabaseInitializer.GeneratePassword();
        ThrowIfFailed(await users.AddPasswordAsync(user, password), "password");
        user.MustChangePassword = true;
        user.LockoutEnd = null;
        ThrowIfFailed(await users.UpdateAsync(user), "user");
        await users.ResetAccessFailedCountAsync(user);
        await users.UpdateSecurityStampAsync(user);
        await audit.RecordAsync(actor, AuditActions.PasswordReset, user.Email, "generated password, to be changed at next sign-in", cancellationToken: cancellationToken);
        return new GeneratedPassword(await SummaryAsync(user), password);
    }

    /// <summary>The projects whose API keys a person may manage: null means every project (Admins).</summary>
    public static IReadOnlyCollection<string>? ManagedProjects(ClaimsPrincipal user) =>
        user.IsInRole(PortalRoles.Admin) ? null : user.FindAll(ProjectClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);

    private async Task<PortalUser> FindAsync(string userId) =>
        await users.FindByIdAsync(userId) ?? throw new NotFoundException($"No user has the id '{userId}'.");

    private async Task<UserSummary> SummaryAsync(PortalUser user)
    {
        var roles = await users.GetRolesAsync(user);
        var claims = await users.GetClaimsAsync(user);
        var logins = await users.GetLoginsAsync(user);
        return new UserSummary(user.Id, user.Email ?? user.UserName ?? user.Id, [.. roles.Order()], user.CreatedAt,
            user.LockoutEnd is { } end && end > time.GetUtcNow(),
            [.. claims.Where(c => c.Type == ProjectClaim).Select(c => c.Value).Order()],
            user.DisabledAt is not null, user.MustChangePassword, logins.Count > 0);
    }

    private async Task ReplaceProjectsAsync(PortalUser user, IReadOnlyList<string> projects)
    {
        var cleaned = projects.Select(p => p.Trim()).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var project in cleaned)
        {
            Security.ApiKeyService.ValidateProject(project);
        }
        var existing = (await users.GetClaimsAsync(user)).Where(c => c.Type == ProjectClaim).ToList();
        if (existing.Count > 0)
        {
            ThrowIfFailed(await users.RemoveClaimsAsync(user, existing), "projects");
        }
        if (cleaned.Count > 0)
        {
            ThrowIfFailed(await users.AddClaimsAsync(user, cleaned.Select(p => new Claim(ProjectClaim, p))), "projects");
        }
    }

    private async Task RequireAnotherAdminAsync(PortalUser user, string action)
    {
        var admins = await users.GetUsersInRoleAsync(PortalRoles.Admin);
        if (!admins.Any(a => a.Id != user.Id && a.DisabledAt is null))
        {
            throw ValidationFailedException.For("role", $"Cannot {action} {user.Email}: it is the only active Admin. Make someone else an Admin first.");
        }
    }

    private static void RequireRole(string role)
    {
        if (!PortalRoles.All.Contains(role))
        {
            throw ValidationFailedException.For("role", $"Choose one of the roles {string.Join(", ", PortalRoles.All)}.");
        }
    }

    private static string ProjectsText(IReadOnlyList<string> projects) => projects.Count == 0 ? "" : $", projects {string.Join(", ", projects)}";

    private static void ThrowIfFailed(IdentityResult result, string field)
    {
        if (!result.Succeeded)
        {
            throw ValidationFailedException.For(field, string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
