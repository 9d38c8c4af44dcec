using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AgentPortal.Core.Security;

public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>
/// Creates, checks and revokes API keys. Keys are 160 random bits, so a plain SHA-256 is enough to
/// store them safely; validations are cached briefly so authentication does not hit the database
/// on every call, and a revocation in this process takes effect at once.
/// </summary>
public sealed partial class ApiKeyService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time, ILogger<ApiKeyService> logger)
{
    public const string KeyPrefix = "ap_";
    internal static readonly TimeSpan s_validationCacheLifetime = TimeSpan.FromSeconds(30);
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private readonly ConcurrentDictionary<string, (ApiKeyIdentity? Identity, DateTimeOffset Until)> _validations = new();

    public async Task<CreatedApiKey> CreateAsync(string projectId, ApiKeyScopes scopes, string? name, CancellationToken cancellationToken)
    {
        ValidateProject(projectId);
        if (scopes == ApiKeyScopes.None)
        {
            throw ValidationFailedException.For("scopes", $"Give at least one scope: {ApiKeyScopeNames.Allowed}.");
        }
        var secret = KeyPrefix + RandomNumberGenerator.GetString(Alphabet, 40);
        var key = await StoreAsync(projectId, scopes, name, secret, cancellationToken);
        return new CreatedApiKey(key, secret);
    }

    /// <summary>Makes sure a key given in configuration exists (for compose files and CI); the key itself is never logged.</summary>
    public async Task EnsureAsync(string secret, string projectId, ApiKeyScopes scopes, CancellationToken cancellationToken)
    {
        var hash = HashOf(secret);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.ApiKeys.AnyAsync(k => k.Hash == hash, cancellationToken))
        {
            return;
        }
        await StoreAsync(projectId, scopes, "Bootstrap:IngestApiKey", secret, cancellationToken);
    }

    public async Task<ApiKeyIdentity?> ValidateAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return null;
        }
        var hash = HashOf(secret);
        var now = time.GetUtcNow();
        if (_validations.TryGetValue(hash, out var cached) && cached.Until > now)
        {
            return cached.Identity;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
        var identity = key is { RevokedAt: null } ? new ApiKeyIdentity(key.Id, key.ProjectId, key.Scopes, key.Prefix) : null;
        _validations[hash] = (identity, now + s_validationCacheLifetime);
        return identity;
    }

    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().OrderBy(k => k.ProjectId).ThenByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task RevokeAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No API key has the id '{id}'.");
        key.RevokedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        _validations[key.Hash] = (null, DateTimeOffset.MaxValue);
        LogRevoked(key.Id, key.Prefix, key.ProjectId);
    }

    internal static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    internal static void ValidateProject(string projectId)
    {
        if (string.IsNullOrWhiteSpace(projectId) || projectId.Length > 255)
        {
            throw ValidationFailedException.For("project_id", "Give a project id of 1 to 255 characters, e.g. default-project.");
        }
    }

    private async Task<ApiKey> StoreAsync(string projectId, ApiKeyScopes scopes, string? name, string secret, CancellationToken cancellationToken)
    {
        var key = new ApiKey
        {
            Id = Guid.NewGuid().ToString(),
            ProjectId = projectId,
            Name = name,
            Prefix = secret[..Math.Min(secret.Length, 10)],
            Hash = HashOf(secret),
            Scopes = scopes,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        _validations.TryRemove(key.Hash, out _);
        LogCreated(key.Id, key.Prefix, key.ProjectId, ApiKeyScopeNames.Format(scopes));
        return key;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {KeyId} ({KeyPrefix}…) for project {ProjectId} with scopes {Scopes}")]
    private partial void LogCreated(string keyId, string keyPrefix, string projectId, string scopes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked API key {KeyId} ({KeyPrefix}…) of project {ProjectId}")]
    private partial void LogRevoked(string keyId, string keyPrefix, string projectId);
}
