namespace AgentPortal.Core.Identity;

/// <summary>
/// Admin manages users, keys, prices and settings; Operator registers and edits agents;
/// Viewer reads dashboards.
/// </summary>
public static class PortalRoles
{
    public const string Admin = nameof(Admin);
    public const string Operator = nameof(Operator);
    public const string Viewer = nameof(Viewer);

    public static IReadOnlyList<string> All { get; } = [Admin, Operator, Viewer];
}
