using System.Security.Cryptography;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Data;

/// <summary>What start-up did about the first administrator.</summary>
/// <param name="CreatedAdminEmail">Set when the first administrator was created in this start.</param>
/// <param name="GeneratedPassword">Set only when the password was generated, so it can be shown once.</param>
public sealed record BootstrapOutcome(string? CreatedAdminEmail, string? GeneratedPassword);

/// <summary>Applies migrations, ensures the roles exist and creates the first administrator when there is no user.</summary>
public sealed partial class PortalDatabaseInitializer(
    PortalDbContext db,
    UserManager<PortalUser> users,
    RoleManager<IdentityRole> roles,
    IOptions<BootstrapOptions> bootstrap,
    IOptions<StorageOptions> storage,
    TimeProvider time,
    ILogger<PortalDatabaseInitializer> logger)
{
    private const string PasswordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public async Task<BootstrapOutcome> InitializeAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(cancellationToken);
        return await EnsureRolesAndAdminAsync(cancellationToken);
    }

    /// <summary>The registry database's name in migration messages and <c>migrate --status</c>.</summary>
    public const string DatabaseName = "registry";

    /// <summary>Applies pending migrations; refuses when one was cut off part-way unless <paramref name="retryInterrupted"/> (the migrate command).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken, bool retryInterrupted = false)
    {
        var pending = (await SchemaMigrations.GetStatusAsync(db, DatabaseName, cancellationToken)).Pending;
        if (pending.Count > 0)
        {
            LogApplyingMigrations(pending.Count, string.Join(", ", pending));
        }
        return await SchemaMigrations.ApplyAsync(db, DatabaseName, time, retryInterrupted, storage.Value.MigrationWait, cancellationToken);
    }

    public Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken) =>
        SchemaMigrations.GetStatusAsync(db, DatabaseName, cancellationToken);

    public async Task<BootstrapOutcome> EnsureRolesAndAdminAsync(CancellationToken cancellationToken)
    {
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                ThrowIfFailed(await roles.CreateAsync(new IdentityRole(role)), $"create the {role} role");
            }
        }

        if (await users.Users.AnyAsync(cancellationToken))
        {
            return new BootstrapOutcome(null, null);
        }

        var options = bootstrap.Value;
        var generated = options.AdminPassword is null ? GeneratePassword() : null;
        var admin = new PortalUser
        {
            UserName = options.AdminEmail,
            Email = options.AdminEmail,
            EmailConfirmed = true,
            CreatedAt = time.GetUtcNow(),
        };
        ThrowIfFailed(await users.CreateAsync(admin, options.AdminPassword ?? generated!), "create the first administrator");
        ThrowIfFailed(await users.AddToRoleAsync(admin, PortalRoles.Admin), "give the first administrator the Admin role");
        LogCreatedAdmin(options.AdminEmail, generated is null ? "from Bootstrap:AdminPassword" : "generated");
        return new BootstrapOutcome(options.AdminEmail, generated);
    }

    internal static string GeneratePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 20);

    private static void ThrowIfFailed(IdentityResult result, string action)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {action}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} database migrations: {Migrations}")]
    private partial void LogApplyingMigrations(int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first administrator {Email}; password {PasswordSource}")]
    private partial void LogCreatedAdmin(string email, string passwordSource);
}
