namespace AgentPortal.Core.Security;

[Flags]
public enum ApiKeyScopes
{
    None = 0,

    /// <summary>Register agents, start and end runs, send spans.</summary>
    Ingest = 1,

    /// <summary>Read agents, stats and traces.</summary>
    Read = 2,

    /// <summary>Chat through the portal's LLM gateway (/chat/completions, /chat/stream).</summary>
    Chat = 4,
}

/// <summary>A machine caller's key for one project. Only a SHA-256 hash of the key is stored.</summary>
public sealed class ApiKey
{
    public required string Id { get; init; }

    public required string ProjectId { get; init; }

    public string? Name { get; init; }

    /// <summary>The key's first characters, enough to recognise it in a list.</summary>
    public required string Prefix { get; init; }

    public required string Hash { get; init; }

    public ApiKeyScopes Scopes { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>After this the key is refused; null keeps it valid until revoked.</summary>
    public DateTime? ExpiresAt { get; init; }

    /// <summary>When the key last authenticated a request, to the minute.</summary>
    public DateTime? LastUsedAt { get; set; }

    /// <summary>Who created the key: a person's email, <c>cli</c> or <c>Bootstrap:IngestApiKey</c>.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>The key this one replaced, when it was made by rotating another.</summary>
    public string? RotatedFrom { get; init; }

    public bool IsActive(DateTime utcNow) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > utcNow);
}

/// <summary>What a new key is for.</summary>
public sealed record ApiKeyRequest(string ProjectId, ApiKeyScopes Scopes, string? Name = null, DateTimeOffset? ExpiresAt = null);

/// <summary>Why a key was refused, so the caller can be told what to fix.</summary>
public enum ApiKeyRejection
{
    None,
    Unknown,
    Revoked,
    Expired,
}

/// <summary>Who a valid key speaks for.</summary>
public sealed record ApiKeyIdentity(string KeyId, string ProjectId, ApiKeyScopes Scopes, string Prefix);

public static class ApiKeyScopeNames
{
    public const string Ingest = "ingest";
    public const string Read = "read";
    public const string Chat = "chat";

    public static string Allowed => $"{Ingest}, {Read}, {Chat}";

    public static bool TryParse(string? text, out ApiKeyScopes scopes)
    {
        scopes = ApiKeyScopes.None;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (part.ToLowerInvariant())
            {
                case Ingest:
                    scopes |= ApiKeyScopes.Ingest;
                    break;
                case Read:
                    scopes |= ApiKeyScopes.Read;
                    break;
                case Chat:
                    scopes |= ApiKeyScopes.Chat;
                    break;
                default:
                    scopes = ApiKeyScopes.None;
                    return false;
            }
        }
        return scopes != ApiKeyScopes.None;
    }

    public static string Format(ApiKeyScopes scopes) =>
        string.Join(",", new[] { (ApiKeyScopes.Ingest, Ingest), (ApiKeyScopes.Read, Read), (ApiKeyScopes.Chat, Chat) }.Where(s => scopes.HasFlag(s.Item1)).Select(s => s.Item2));
}
