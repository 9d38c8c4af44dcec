namespace AgentPortal.Core.Audit;

/// <summary>One administrative action: who did what to which thing, when and from where.</summary>
public sealed class AuditEvent
{
    public required string Id { get; init; }

    public DateTime At { get; init; }

    /// <summary>The person's email, <c>apikey:&lt;prefix&gt;</c> for a machine caller, or <c>cli</c> / <c>system</c>.</summary>
    public required string Actor { get; init; }

    /// <summary>A dotted name from <see cref="AuditActions"/>, e.g. <c>apikey.revoked</c>.</summary>
    public required string Action { get; init; }

    /// <summary>What the action was done to: a user's email, a key's prefix, an agent's name, a model.</summary>
    public string? Target { get; init; }

    /// <summary>A short plain-text account of the change; never a secret.</summary>
    public string? Detail { get; init; }

    /// <summary>The caller's IP address, when known.</summary>
    public string? Address { get; init; }

    public bool Succeeded { get; init; } = true;
}

/// <summary>Who is acting and from where; passed down by the page or endpoint that knows.</summary>
public sealed record AuditActor(string Name, string? Address)
{
    public static AuditActor Cli { get; } = new("cli", null);

    public static AuditActor System { get; } = new("system", null);
}

public static class AuditActions
{
    public const string SignIn = "user.signed_in";
    public const string SignInFailed = "user.sign_in_failed";
    public const string LockedOut = "user.locked_out";
    public const string SignedOutEverywhere = "user.signed_out_everywhere";
    public const string PasswordChanged = "user.password_changed";
    public const string UserCreated = "user.created";
    public const string RolesChanged = "user.roles_changed";
    public const string ProjectsChanged = "user.projects_changed";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string PasswordReset = "user.password_reset";
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string ApiKeyRotated = "apikey.rotated";
    public const string AgentCreated = "agent.created";
    public const string AgentUpdated = "agent.updated";
    public const string PricesChanged = "prices.changed";
    public const string AlertRuleCreated = "alert.created";
    public const string AlertRuleUpdated = "alert.updated";
    public const string AlertRuleDeleted = "alert.deleted";
    public const string AlertRuleMuted = "alert.muted";
    public const string AlertRuleUnmuted = "alert.unmuted";
    public const string AlertTestSent = "alert.test_sent";
    public const string BackupCreated = "storage.backup_created";
    public const string RetentionApplied = "storage.retention_applied";

    /// <summary>The areas the audit page filters by: the part before the dot.</summary>
    public static IReadOnlyList<string> Areas { get; } = ["user", "apikey", "agent", "prices", "alert", "storage"];
}
