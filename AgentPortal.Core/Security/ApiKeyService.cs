using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace AgentPortal.Core.Security;

public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary>The outcome of checking a presented key: who it speaks for, or why it was refused.</summary>
public sealed record ApiKeyValidation(ApiKeyIdentity? Identity, ApiKeyRejection Rejection)
{
    public static ApiKeyValidation Unknown { get; } = new(null, ApiKeyRejection.Unknown);
}

/// <summary>
/// Creates, checks, rotates and revokes API keys. Keys are 160 random bits, so a plain SHA-256 is
/// enough to store them safely. Every request reads the key's row (one lookup on a unique index),
/// so a revocation or an expiry takes effect on the next request on every replica; only the
/// last-used time is written lazily, at most once a minute per key and replica. While the registry
/// database cannot be reached, a key this replica accepted within <see cref="OutageGrace"/> is still
/// accepted, so ingestion into the telemetry store goes on through a short registry outage; any other
/// key raises the database's error (503).
/// </summary>
public sealed partial class ApiKeyService(IDbContextFactory<PortalDbContext> contexts, TimeProvider time, AuditLog audit, ILogger<ApiKeyService> logger)
{
    public const string KeyPrefix = "ap_";
    internal static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastUsedWritten = new();
    private readonly ConcurrentDictionary<string, (ApiKeyIdentity Identity, DateTimeOffset CheckedAt)> _accepted = new();

    /// <summary>How long a key accepted before a registry outage stays accepted during it.</summary>
    public static readonly TimeSpan OutageGrace = TimeSpan.FromMinutes(5);

    /// <summary>Keys remembered for outages; past this the memory is started again.</summary>
    private const int MaxRemembered = 10_000;

    /// <summary>Creates a key without an expiry on behalf of the portal itself (tests, bootstrap).</summary>
    public Task<CreatedApiKey> CreateAsync(string projectId, ApiKeyScopes scopes, string? name, CancellationToken cancellationToken) =>
        CreateAsync(new ApiKeyRequest(projectId, scopes, name), AuditActor.System, cancellationToken);

    public async Task<CreatedApiKey> CreateAsync(ApiKeyRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        Validate(request);
        var secret = NewSecret();
        var key = await StoreAsync(request, actor.Name, secret, rotatedFrom: null, cancellationToken);
        await audit.RecordAsync(actor, AuditActions.ApiKeyCreated, key.Prefix + "…",
            $"project {key.ProjectId}, scopes {ApiKeyScopeNames.Format(key.Scopes)}{ExpiryText(key)}", cancellationToken: cancellationToken);
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
        await StoreAsync(new ApiKeyRequest(projectId, scopes, "Bootstrap:IngestApiKey"), "Bootstrap:IngestApiKey", secret, null, cancellationToken);
    }

    public async Task<ApiKeyIdentity?> ValidateAsync(string secret, CancellationToken cancellationToken) =>
        (await CheckAsync(secret, cancellationToken)).Identity;

    public async Task<ApiKeyValidation> CheckAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(KeyPrefix, StringComparison.Ordinal) || secret.Length > 200)
        {
            return ApiKeyValidation.Unknown;
        }
        var hash = HashOf(secret);
        try
        {
            var checkedNow = await CheckStoredAsync(hash, cancellationToken);
            if (checkedNow.Identity is { } identity)
            {
                if (_accepted.Count >= MaxRemembered)
                {
                    _accepted.Clear();
                }
                _accepted[hash] = (identity, time.GetUtcNow());
            }
            else
            {
                _accepted.TryRemove(hash, out _);
            }
            return checkedNow;
        }
        catch (Exception ex) when (RegistryUnavailable.Matches(ex)
            && _accepted.TryGetValue(hash, out var remembered) && time.GetUtcNow() - remembered.CheckedAt <= OutageGrace)
        {
            LogAcceptedDuringOutage(remembered.Identity.Prefix);
            return new ApiKeyValidation(remembered.Identity, ApiKeyRejection.None);
        }
    }

    private async Task<ApiKeyValidation> CheckStoredAsync(string hash, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, cancellationToken);
        var now = time.GetUtcNow();
        if (key is null)
        {
            return ApiKeyValidation.Unknown;
        }
        if (key.RevokedAt is not null)
        {
            return new ApiKeyValidation(null, ApiKeyRejection.Revoked);
        }
        if (key.ExpiresAt is { } expires && expires <= now.UtcDateTime)
        {
            return new ApiKeyValidation(null, ApiKeyRejection.Expired);
        }
        await TouchAsync(db, key, now, cancellationToken);
        return new ApiKeyValidation(new ApiKeyIdentity(key.Id, key.ProjectId, key.Scopes, key.Prefix), ApiKeyRejection.None);
    }

    /// <summary>Every key, or only those of the given projects (an Operator's).</summary>
    public async Task<IReadOnlyList<ApiKey>> ListAsync(CancellationToken cancellationToken, IReadOnlyCollection<string>? projects = null)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        IQueryable<ApiKey> keys = db.ApiKeys.AsNoTracking();
        if (projects is not null)
        {
            keys = keys.Where(k => projects.Contains(k.ProjectId));
        }
        return await keys.OrderBy(k => k.ProjectId).ThenByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
    }

    public async Task<ApiKey> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No API key has the id '{id}'.");
    }

    public Task RevokeAsync(string id, CancellationToken cancellationToken) => RevokeAsync(id, AuditActor.System, cancellationToken);

    public async Task RevokeAsync(string id, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No API key has the id '{id}'.");
        if (key.RevokedAt is not null)
        {
            return;
        }
        key.RevokedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        _accepted.TryRemove(key.Hash, out _);
        LogRevoked(key.Id, key.Prefix, key.ProjectId);
        await audit.RecordAsync(actor, AuditActions.ApiKeyRevoked, key.Prefix + "…", $"project {key.ProjectId}", cancellationToken: cancellationToken);
    }

    /// <summary>
    /// A new secret for the same project, scopes, name and expiry; the old key is revoked in the same
    /// transaction, so there is never a moment with neither or both.
    /// </summary>
    public async Task<CreatedApiKey> RotateAsync(string id, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var old = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new NotFoundException($"No API key has the id '{id}'.");
        var now = time.GetUtcNow().UtcDateTime;
        if (!old.IsActive(now))
        {
            throw ValidationFailedException.For("id", $"The key {old.Prefix}… is {(old.RevokedAt is null ? "expired" : "revoked")}; create a new key instead of rotating it.");
        }
        var secret = NewSecret();
        var key = NewKey(new ApiKeyRequest(old.ProjectId, old.Scopes, old.Name, old.ExpiresAt is { } e ? new DateTimeOffset(e, TimeSpan.Zero) : null), actor.Name, secret, old.Id);
        old.RevokedAt = now;
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        _accepted.TryRemove(old.Hash, out _);
        LogCreated(key.Id, key.Prefix, key.ProjectId, ApiKeyScopeNames.Format(key.Scopes));
        LogRevoked(old.Id, old.Prefix, old.ProjectId);
        await audit.RecordAsync(actor, AuditActions.ApiKeyRotated, old.Prefix + "…", $"replaced by {key.Prefix}… (project {key.ProjectId})", cancellationToken: cancellationToken);
        return new CreatedApiKey(key, secret);
    }

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    internal static void ValidateProject(string projectId)
    {
        if (string.IsNullOrWhiteSpace(projectId) || projectId.Length > 255)
        {
            throw ValidationFailedException.For("project_id", "Give a project id of 1 to 255 characters, e.g. default-project.");
        }
    }

    private void Validate(ApiKeyRequest request)
    {
        ValidateProject(request.ProjectId);
        if (request.Scopes == ApiKeyScopes.None)
        {
            throw ValidationFailedException.For("scopes", $"Give at least one scope: {ApiKeyScopeNames.Allowed}.");
        }
        if (request.Name is { Length: > 255 })
        {
            throw ValidationFailedException.For("name", "Give a name of at most 255 characters.");
        }
        if (request.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            throw ValidationFailedException.For("expires_at", "Give an expiry in the future, or none for a key that lasts until it is revoked.");
        }
    }

    private static string NewSecret() => KeyPrefix + RandomNumberGenerator.GetString(Alphabet, 40);

    private static string ExpiryText(ApiKey key) => key.ExpiresAt is { } e ? $", expires {e:yyyy-MM-dd HH:mm} UTC" : "";

    private async Task TouchAsync(PortalDbContext db, ApiKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_lastUsedWritten.TryGetValue(key.Id, out var written) && now - written < s_lastUsedResolution)
        {
            return;
        }
        _lastUsedWritten[key.Id] = now;
        var at = now.UtcDateTime;
        try
        {
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, at), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The last-used time is a hint for people: a disk that is full or a database that only
            // reads must not turn away the request the key is good for.
            LogTouchFailed(ex, key.Prefix);
        }
    }

    private ApiKey NewKey(ApiKeyRequest request, string createdBy, string secret, string? rotatedFrom) => new()
    {
        Id = Guid.NewGuid().ToString(),
        ProjectId = request.ProjectId,
        Name = request.Name,
        Prefix = secret[..Math.Min(secret.Length, 10)],
        Hash = HashOf(secret),
        Scopes = request.Scopes,
        CreatedAt = time.GetUtcNow().UtcDateTime,
        ExpiresAt = request.ExpiresAt?.UtcDateTime,
        CreatedBy = createdBy,
        RotatedFrom = rotatedFrom,
    };

    private async Task<ApiKey> StoreAsync(ApiKeyRequest request, string createdBy, string secret, string? rotatedFrom, CancellationToken cancellationToken)
    {
        var key = NewKey(request, createdBy, secret, rotatedFrom);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(cancellationToken);
        LogCreated(key.Id, key.Prefix, key.ProjectId, ApiKeyScopeNames.Format(request.Scopes));
        return key;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {KeyId} ({KeyPrefix}…) for project {ProjectId} with scopes {Scopes}")]
    private partial void LogCreated(string keyId, string keyPrefix, string projectId, string scopes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording when API key {KeyPrefix}… was last used failed; the request goes on")]
    private partial void LogTouchFailed(Exception exception, string keyPrefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The registry database cannot be reached; API key {KeyPrefix}… was accepted as it was checked before the outage")]
    private partial void LogAcceptedDuringOutage(string keyPrefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked API key {KeyId} ({KeyPrefix}…) of project {ProjectId}")]
    private partial void LogRevoked(string keyId, string keyPrefix, string projectId);
}
