using System.Security.Claims;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;

namespace AgentPortal.Dashboard.Model;

/// <summary>What a new key should be, as the form holds it.</summary>
public sealed class NewKeyForm
{
    public string Project { get; set; } = "";

    public string Name { get; set; } = "";

    public bool Ingest { get; set; } = true;

    public bool Read { get; set; }

    public bool Chat { get; set; }

    /// <summary>Days until it expires; 0 for a key that lasts until revoked.</summary>
    public int ExpiresInDays { get; set; } = 90;

    public ApiKeyScopes Scopes => (Ingest ? ApiKeyScopes.Ingest : 0) | (Read ? ApiKeyScopes.Read : 0) | (Chat ? ApiKeyScopes.Chat : 0);
}

/// <summary>
/// The API keys page. Admins see and manage every key; Operators only those of the projects an
/// Admin gave them, which is checked here again on every change, not only hidden on the page.
/// </summary>
public sealed class ApiKeysViewModel(ApiKeyService keys, TimeProvider time, ILogger<ApiKeysViewModel> logger)
{
    public Loadable<IReadOnlyList<ApiKey>> Keys { get; } = new(logger, "the API keys");

    /// <summary>A secret just made, shown once until dismissed.</summary>
    public CreatedApiKey? Shown { get; private set; }

    public DateTime Now => time.GetUtcNow().UtcDateTime;

    public void DismissSecret() => Shown = null;

    public Task LoadAsync(ClaimsPrincipal user) => Keys.LoadAsync(async cancellationToken => await keys.ListAsync(cancellationToken, UserDirectory.ManagedProjects(user)));

    public async Task CreateAsync(NewKeyForm form, ClaimsPrincipal user, AuditActor actor)
    {
        var project = form.Project.Trim();
        RequireManaged(user, project);
        var expires = form.ExpiresInDays > 0 ? time.GetUtcNow().AddDays(form.ExpiresInDays) : (DateTimeOffset?)null;
        Shown = await keys.CreateAsync(new ApiKeyRequest(project, form.Scopes, string.IsNullOrWhiteSpace(form.Name) ? null : form.Name.Trim(), expires), actor, CancellationToken.None);
        await LoadAsync(user);
    }

    public async Task RevokeAsync(ApiKey key, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManaged(user, (await keys.GetAsync(key.Id, CancellationToken.None)).ProjectId);
        await keys.RevokeAsync(key.Id, actor, CancellationToken.None);
        await LoadAsync(user);
    }

    public async Task RotateAsync(ApiKey key, ClaimsPrincipal user, AuditActor actor)
    {
        RequireManaged(user, (await keys.GetAsync(key.Id, CancellationToken.None)).ProjectId);
        Shown = await keys.RotateAsync(key.Id, actor, CancellationToken.None);
        await LoadAsync(user);
    }

    private static void RequireManaged(ClaimsPrincipal user, string project)
    {
        if (!(user.IsInRole(PortalRoles.Admin) || user.IsInRole(PortalRoles.Operator)))
        {
            throw new ForbiddenException("Only Admins and Operators manage API keys.");
        }
        if (UserDirectory.ManagedProjects(user) is { } managed && !managed.Contains(project))
        {
            throw new ForbiddenException(managed.Count == 0
                ? "You manage no projects yet: ask an Admin to add your projects on the People page."
                : $"You manage the keys of {string.Join(", ", managed)} only, not of '{project}'.");
        }
    }
}
