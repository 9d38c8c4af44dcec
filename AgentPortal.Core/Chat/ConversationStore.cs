using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Chat;

/// <summary>A conversation in a list: enough to pick it.</summary>
public sealed record ConversationSummary(string Id, string Title, DateTime UpdatedAt, int Messages);

/// <summary>The settings a conversation is held with.</summary>
public sealed record ConversationSettings(string? Model, string? AgentId, string? SystemPrompt, double? Temperature, int? MaxTokens);

/// <summary>
/// People's chat-page conversations in the portal database. Every call names the owner, and a
/// conversation of someone else is not found, so nobody reads or changes another person's chats.
/// </summary>
public sealed class ConversationStore(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    public const int MaxListed = 200;

    public async Task<IReadOnlyList<ConversationSummary>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Conversations.AsNoTracking()
            .Where(c => c.UserId == userId)
            .OrderByDescending(c => c.UpdatedAt)
            .Take(MaxListed)
            .Select(c => new ConversationSummary(c.Id, c.Title, c.UpdatedAt, c.Messages.Count))
            .ToListAsync(cancellationToken);
    }

    public async Task<Conversation> GetAsync(string userId, string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.AsNoTracking()
            .Include(c => c.Messages.OrderBy(m => m.Sequence))
            .SingleOrDefaultAsync(c => c.Id == id && c.UserId == userId, cancellationToken);
        return conversation ?? throw NotFound(id);
    }

    public async Task<Conversation> CreateAsync(string userId, string title, ConversationSettings settings, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var conversation = new Conversation
        {
            Id = Guid.NewGuid().ToString(),
            UserId = userId,
            Title = CleanTitle(title),
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(conversation, settings);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Conversations.Add(conversation);
        await db.SaveChangesAsync(cancellationToken);
        return conversation;
    }

    public async Task RenameAsync(string userId, string id, string title, CancellationToken cancellationToken)
    {
        var clean = CleanTitle(title);
        await UpdateAsync(userId, id, c => c.Title = clean, cancellationToken);
    }

    public Task SaveSettingsAsync(string userId, string id, ConversationSettings settings, CancellationToken cancellationToken) =>
        UpdateAsync(userId, id, c => Apply(c, settings), cancellationToken);

    public async Task DeleteAsync(string userId, string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var deleted = await db.Conversations.Where(c => c.Id == id && c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            throw NotFound(id);
        }
    }

    /// <summary>Adds a message at the end of the conversation; returns it with its place.</summary>
    public async Task<ConversationMessage> AddMessageAsync(string userId, string id, ConversationMessage draft, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == id && c.UserId == userId, cancellationToken) ?? throw NotFound(id);
        var next = await db.ConversationMessages.Where(m => m.ConversationId == id).Select(m => (int?)m.Sequence).MaxAsync(cancellationToken) + 1 ?? 0;
        var now = time.GetUtcNow().UtcDateTime;
        var message = new ConversationMessage
        {
            Id = Guid.NewGuid().ToString(),
            ConversationId = id,
            Sequence = next,
            Role = draft.Role,
            Content = draft.Content,
            Model = draft.Model,
            TraceId = draft.TraceId,
            InputTokens = draft.InputTokens,
            OutputTokens = draft.OutputTokens,
            Cost = draft.Cost,
            LatencyMilliseconds = draft.LatencyMilliseconds,
            TimeToFirstTokenMilliseconds = draft.TimeToFirstTokenMilliseconds,
            Error = draft.Error,
            CreatedAt = now,
        };
        db.ConversationMessages.Add(message);
        conversation.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return message;
    }

    private async Task UpdateAsync(string userId, string id, Action<Conversation> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var conversation = await db.Conversations.SingleOrDefaultAsync(c => c.Id == id && c.UserId == userId, cancellationToken) ?? throw NotFound(id);
        change(conversation);
        conversation.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }

    private static void Apply(Conversation conversation, ConversationSettings settings)
    {
        conversation.Model = settings.Model;
        conversation.AgentId = settings.AgentId;
        conversation.SystemPrompt = string.IsNullOrWhiteSpace(settings.SystemPrompt) ? null : settings.SystemPrompt;
        conversation.Temperature = settings.Temperature;
        conversation.MaxTokens = settings.MaxTokens;
    }

    /// <summary>A title on one line, within the column; an empty one is refused.</summary>
    public static string CleanTitle(string title)
    {
        var line = string.Join(' ', (title ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (line.Length == 0)
        {
            throw ValidationFailedException.For("title", "Give the conversation a title.");
        }
        return line.Length <= Conversation.MaxTitleLength ? line : line[..(Conversation.MaxTitleLength - 1)] + "…";
    }

    private static NotFoundException NotFound(string id) => new($"There is no conversation '{id}' of yours; it may have been deleted.");
}
