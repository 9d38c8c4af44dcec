using AgentPortal.Core.Identity;

namespace AgentPortal.Dashboard.Model;

/// <summary>The admin page's user list.</summary>
public sealed class AdminViewModel(UserDirectory users, ILogger<AdminViewModel> logger)
{
    public Loadable<IReadOnlyList<UserSummary>> Users { get; } = new(logger, "the users");

    public Task LoadUsersAsync() => Users.LoadAsync(async cancellationToken => await users.ListAsync(cancellationToken));
}
