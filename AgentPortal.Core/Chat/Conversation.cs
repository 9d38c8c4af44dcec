namespace AgentPortal.Core.Chat;

/// <summary>A chat of one person on the chat page, with the settings it was held with.</summary>
public sealed class Conversation
{
    public const int MaxTitleLength = 200;

    public required string Id { get; init; }

    /// <summary>The Identity user id of its owner; nobody else sees it.</summary>
    public required string UserId { get; init; }

    public required string Title { get; set; }

    public string? Model { get; set; }

    /// <summary>The registered agent the chat speaks as (its calls count for it), or none.</summary>
    public string? AgentId { get; set; }

    public string? SystemPrompt { get; set; }

    public double? Temperature { get; set; }

    public int? MaxTokens { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; set; }

    public List<ConversationMessage> Messages { get; init; } = [];
}

/// <summary>One message of a conversation; an answer keeps what it cost and took, and its trace.</summary>
public sealed class ConversationMessage
{
    public required string Id { get; init; }

    public required string ConversationId { get; init; }

    /// <summary>Order within the conversation, from 0.</summary>
    public int Sequence { get; init; }

    /// <summary>user or assistant.</summary>
    public required string Role { get; init; }

    public required string Content { get; set; }

    public string? Model { get; set; }

    public string? TraceId { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public double? Cost { get; set; }

    public double? LatencyMilliseconds { get; set; }

    public double? TimeToFirstTokenMilliseconds { get; set; }

    /// <summary>Why the answer is incomplete or missing (stopped, cut off, refused), or null.</summary>
    public string? Error { get; set; }

    public DateTime CreatedAt { get; init; }
}
