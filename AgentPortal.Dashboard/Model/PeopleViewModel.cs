using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;

namespace AgentPortal.Dashboard.Model;

/// <summary>
/// The People page: the list and every change to it. Each action runs in its own service scope, so
/// Identity's change tracking never outlives one action on a long-lived page.
/// </summary>
public sealed class PeopleViewModel(IServiceScopeFactory scopes, ILogger<PeopleViewModel> logger)
{
    public Loadable<IReadOnlyList<UserSummary>> Users { get; } = new(logger, "the people");

    /// <summary>A password just generated, shown once until the Admin dismisses it.</summary>
    public GeneratedPassword? Shown { get; private set; }

    public void DismissPassword() => Shown = null;

    public Task LoadAsync() => Users.LoadAsync(async cancellationToken => await WithDirectoryAsync(d => d.ListAsync(cancellationToken)));

    public async Task CreateAsync(string email, string role, string projects, AuditActor actor)
    {
        Shown = await WithDirectoryAsync(d => d.CreateAsync(email, role, ParseProjects(projects), actor, CancellationToken.None));
        await LoadAsync();
    }

    public async Task ResetPasswordAsync(UserSummary user, AuditActor actor)
    {
        Shown = await WithDirectoryAsync(d => d.ResetPasswordAsync(user.Id, actor, CancellationToken.None));
        await LoadAsync();
    }

    public async Task SetRoleAsync(UserSummary user, string role, AuditActor actor)
    {
        await WithDirectoryAsync(d => d.SetRoleAsync(user.Id, role, actor, CancellationToken.None));
        await LoadAsync();
    }

    public async Task SetProjectsAsync(UserSummary user, string projects, AuditActor actor)
    {
        await WithDirectoryAsync(d => d.SetProjectsAsync(user.Id, ParseProjects(projects), actor, CancellationToken.None));
        await LoadAsync();
    }

    public async Task SetDisabledAsync(UserSummary user, bool disabled, AuditActor actor)
    {
        await WithDirectoryAsync(d => d.SetDisabledAsync(user.Id, disabled, actor, CancellationToken.None));
        await LoadAsync();
    }

    public static IReadOnlyList<string> ParseProjects(string? text) =>
        [.. (text ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    private async Task<T> WithDirectoryAsync<T>(Func<UserDirectory, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserDirectory>());
    }
}
