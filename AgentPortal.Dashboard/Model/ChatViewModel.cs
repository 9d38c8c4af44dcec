using System.Text;
using System.Text.Json.Nodes;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Chat;
using AgentPortal.Core.Common;
using AgentPortal.Core.Integrations;
using AgentPortal.Core.Llm;

namespace AgentPortal.Dashboard.Model;

/// <summary>One line of the chat as the page shows it; an answer carries its figures and trace.</summary>
public sealed class ChatLine
{
    public required string Role { get; init; }

    public required string Text { get; set; }

    public string? Model { get; set; }

    public string? TraceId { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public double? Cost { get; set; }

    public double? LatencyMilliseconds { get; set; }

    public double? TimeToFirstTokenMilliseconds { get; set; }

    public string? Error { get; set; }

    public bool IsAnswer => Role == "assistant";

    public static ChatLine From(ConversationMessage message) => new()
    {
        Role = message.Role,
        Text = message.Content,
        Model = message.Model,
        TraceId = message.TraceId,
        InputTokens = message.InputTokens,
        OutputTokens = message.OutputTokens,
        Cost = message.Cost,
        LatencyMilliseconds = message.LatencyMilliseconds,
        TimeToFirstTokenMilliseconds = message.TimeToFirstTokenMilliseconds,
        Error = message.Error,
    };

    public ConversationMessage ToDraft() => new()
    {
        Id = "",
        ConversationId = "",
        Role = Role,
        Content = Text,
        Model = Model,
        TraceId = TraceId,
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        Cost = Cost,
        LatencyMilliseconds = LatencyMilliseconds,
        TimeToFirstTokenMilliseconds = TimeToFirstTokenMilliseconds,
        Error = Error,
    };
}

/// <summary>
/// The chat page: models from the gateway with their prices, registered agents to chat as, the
/// person's saved conversations, and one streamed exchange at a time that can be stopped. A failed
/// call is shown where the answer would be and the typed message stays in the box; a stopped or
/// cut-off answer is kept with what arrived.
/// </summary>
public sealed class ChatViewModel(ChatService chat, ModelCatalog models, IAgentRegistry agents, ConversationStore conversations, AgentRunner runner, ILogger<ChatViewModel> logger)
{
    public const double DefaultTemperature = 0.7;
    private const int TitleLength = 60;

    private CancellationTokenSource? _answering;

    /// <summary>Raised when a streamed piece arrives or the exchange ends, so the page draws again.</summary>
    public event Func<Task>? Changed;

    public bool GatewayConfigured => chat.Gateway.Enabled;

    public string GatewayAddress => chat.Gateway.Describe;

    public Loadable<IReadOnlyList<ModelOffer>> Models { get; } = new(logger, "the gateway's models");

    public Loadable<IReadOnlyList<Agent>> Agents { get; } = new(logger, "the agents");

    public Loadable<IReadOnlyList<ConversationSummary>> Conversations { get; } = new(logger, "your conversations");

    public string? ConversationId { get; private set; }

    public string? ConversationTitle { get; private set; }

    public List<ChatLine> Lines { get; } = [];

    public string? Model { get; set; }

    public string? AgentId { get; set; }

    public string? SystemPrompt { get; set; }

    public double Temperature { get; set; } = DefaultTemperature;

    public int? MaxTokens { get; set; }

    public string Draft { get; set; } = "";

    public bool Answering => _answering is not null;

    /// <summary>Why the last message got no answer (the gateway's error), shown in place of it.</summary>
    public string? SendError { get; private set; }

    /// <summary>Why opening, renaming or deleting a conversation failed.</summary>
    public string? ConversationError { get; private set; }

    public ModelOffer? SelectedModel => Models.Value?.FirstOrDefault(m => m.Id == Model);

    /// <summary>The selected agent when it is a Langflow or Flowise runner agent whose platform is configured: messages go to its flow.</summary>
    public Agent? RunnerAgent => Agents.Value?.FirstOrDefault(a => a.Id == AgentId) is { } agent && AgentRunner.Of(agent) is { } target && runner.IsConfigured(target.Kind)
        ? agent
        : null;

    public async Task LoadAsync(string userId)
    {
        await Task.WhenAll(LoadModelsAsync(), LoadAgentsAsync(), LoadConversationsAsync(userId));
    }

    public async Task LoadModelsAsync()
    {
        if (!GatewayConfigured)
        {
            Models.Set([]);
            return;
        }
        await Models.LoadAsync(async cancellationToken => await models.ListAsync(cancellationToken));
        if (Models.Value is { Count: > 0 } offers && (Model is null || offers.All(m => m.Id != Model)))
        {
            Model = offers.FirstOrDefault(m => m.Id == chat.Gateway.DefaultModel)?.Id ?? offers[0].Id;
        }
    }

    public Task LoadAgentsAsync() => Agents.LoadAsync(async cancellationToken =>
        (IReadOnlyList<Agent>)(await agents.ListAsync(new ListAgentsRequest { Status = AgentStatus.Active, PageSize = 500 }, cancellationToken)).Items);

    public Task LoadConversationsAsync(string userId) =>
        Conversations.LoadAsync(async cancellationToken => await conversations.ListAsync(userId, cancellationToken), quiet: true);

    public void StartNew()
    {
        ConversationId = null;
        ConversationTitle = null;
        Lines.Clear();
        SendError = null;
        ConversationError = null;
    }

    public async Task OpenAsync(string userId, string id)
    {
        ConversationError = null;
        SendError = null;
        try
        {
            var conversation = await conversations.GetAsync(userId, id, CancellationToken.None);
            ConversationId = conversation.Id;
            ConversationTitle = conversation.Title;
            Model = conversation.Model ?? Model;
            AgentId = conversation.AgentId;
            SystemPrompt = conversation.SystemPrompt;
            Temperature = conversation.Temperature ?? DefaultTemperature;
            MaxTokens = conversation.MaxTokens;
            Lines.Clear();
            Lines.AddRange(conversation.Messages.Select(ChatLine.From));
        }
        catch (NotFoundException ex)
        {
            ConversationError = ex.Message;
            await LoadConversationsAsync(userId);
        }
    }

    public async Task RenameAsync(string userId, string id, string title)
    {
        ConversationError = null;
        try
        {
            await conversations.RenameAsync(userId, id, title, CancellationToken.None);
            if (id == ConversationId)
            {
                ConversationTitle = ConversationStore.CleanTitle(title);
            }
        }
        catch (Exception ex) when (ex is NotFoundException or ValidationFailedException)
        {
            ConversationError = ex is ValidationFailedException invalid ? string.Join(" ", invalid.Errors.SelectMany(e => e.Value)) : ex.Message;
        }
        await LoadConversationsAsync(userId);
    }

    public async Task DeleteAsync(string userId, string id)
    {
        ConversationError = null;
        try
        {
            await conversations.DeleteAsync(userId, id, CancellationToken.None);
        }
        catch (NotFoundException ex)
        {
            ConversationError = ex.Message;
        }
        if (id == ConversationId)
        {
            StartNew();
        }
        await LoadConversationsAsync(userId);
    }

    /// <summary>Sends the typed message and streams the answer in; returns when the exchange has ended.</summary>
    public async Task SendAsync(string userId, string userName)
    {
        var text = Draft.Trim();
        if (text.Length == 0 || Answering || (Model is null && RunnerAgent is null))
        {
            return;
        }
        SendError = null;
        var question = new ChatLine { Role = "user", Text = text };
        var answer = new ChatLine { Role = "assistant", Text = "", Model = Model };
        Lines.Add(question);
        Lines.Add(answer);
        Draft = "";
        using var answering = _answering = new CancellationTokenSource();
        if (RunnerAgent is { } runnerAgent)
        {
            await RunAsync(userId, runnerAgent, question, answer, answering.Token);
            return;
        }
        var request = new ChatRequest
        {
            Body = RequestBody(),
            Model = Model!,
            Caller = new ChatCaller(userName, null),
            AgentKey = AgentId,
        };
        answer.TraceId = request.TraceId;
        var received = new StringBuilder();
        ChatOutcome? outcome = null;
        string? failure = null;
        try
        {
            outcome = await chat.StreamAsync(request, async piece =>
            {
                if (piece.Text is { Length: > 0 } delta)
                {
                    received.Append(delta);
                    answer.Text = received.ToString();
                    await NotifyAsync();
                }
            }, answering.Token);
        }
        catch (OperationCanceledException) when (answering.IsCancellationRequested)
        {
            failure = "Stopped before the answer was complete.";
        }
        catch (LlmGatewayException ex)
        {
            failure = ex.Message;
        }
        finally
        {
            _answering = null;
        }

        if (outcome is not null)
        {
            answer.Model = outcome.Model;
            answer.InputTokens = outcome.InputTokens;
            answer.OutputTokens = outcome.OutputTokens;
            answer.Cost = outcome.Cost is { } cost ? (double)cost : null;
            answer.LatencyMilliseconds = outcome.LatencyMilliseconds;
            answer.TimeToFirstTokenMilliseconds = outcome.TimeToFirstTokenMilliseconds;
        }
        await EndExchangeAsync(userId, question, answer, failure, nothingArrived: received.Length == 0);
    }

    public void Stop() => _answering?.Cancel();

    /// <summary>A runner agent's flow answers at once, not in pieces; its run is the answer's trace.</summary>
    private async Task RunAsync(string userId, Agent agent, ChatLine question, ChatLine answer, CancellationToken cancellationToken)
    {
        var (kind, id) = AgentRunner.Of(agent)!.Value;
        answer.Model = agent.Name;
        string? failure = null;
        try
        {
            var run = await runner.RunAsync(kind, id, question.Text, agent.ProjectId, cancellationToken);
            answer.Text = run.Output;
            answer.TraceId = run.TraceId;
            answer.LatencyMilliseconds = run.DurationMilliseconds;
        }
        catch (RunnerException ex)
        {
            failure = ex.Message;
            answer.TraceId = ex.TraceId;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            failure = "Stopped before the flow answered.";
        }
        finally
        {
            _answering = null;
        }
        // A run that was opened is the answer's record even when it failed; one that never opened is not sent at all.
        await EndExchangeAsync(userId, question, answer, failure, nothingArrived: answer.TraceId is null);
    }

    /// <summary>
    /// A failure before anything arrived puts the message back into the box and shows the error where the
    /// answer would be; otherwise the exchange is kept and saved, an incomplete answer marked with why.
    /// </summary>
    private async Task EndExchangeAsync(string userId, ChatLine question, ChatLine answer, string? failure, bool nothingArrived)
    {
        if (failure is not null && nothingArrived)
        {
            Lines.Remove(answer);
            Lines.Remove(question);
            Draft = question.Text;
            SendError = failure;
        }
        else
        {
            answer.Error = failure;
            await SaveExchangeAsync(userId, question, answer);
        }
        await NotifyAsync();
    }

    private async Task SaveExchangeAsync(string userId, ChatLine question, ChatLine answer)
    {
        try
        {
            if (ConversationId is null)
            {
                var title = question.Text.Length <= TitleLength ? question.Text : question.Text[..TitleLength] + "…";
                var created = await conversations.CreateAsync(userId, title, Settings, CancellationToken.None);
                ConversationId = created.Id;
                ConversationTitle = created.Title;
            }
            else
            {
                await conversations.SaveSettingsAsync(userId, ConversationId, Settings, CancellationToken.None);
            }
            await conversations.AddMessageAsync(userId, ConversationId, question.ToDraft(), CancellationToken.None);
            await conversations.AddMessageAsync(userId, ConversationId, answer.ToDraft(), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Saving a chat exchange failed");
            ConversationError = $"The answer is shown but could not be saved: {ex.Message}";
        }
        await LoadConversationsAsync(userId);
    }

    private ConversationSettings Settings => new(Model, AgentId, SystemPrompt, Temperature, MaxTokens);

    /// <summary>The OpenAI request: the system prompt, the conversation so far (answers without text left out), the settings.</summary>
    private JsonObject RequestBody()
    {
        var messages = new JsonArray();
        if (!string.IsNullOrWhiteSpace(SystemPrompt))
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = SystemPrompt });
        }
        foreach (var line in Lines.Where(l => l.Text.Length > 0))
        {
            messages.Add(new JsonObject { ["role"] = line.Role, ["content"] = line.Text });
        }
        var body = new JsonObject { ["model"] = Model, ["messages"] = messages, ["temperature"] = Temperature };
        if (MaxTokens is { } maxTokens)
        {
            body["max_tokens"] = maxTokens;
        }
        return body;
    }

    private Task NotifyAsync() => Changed?.Invoke() ?? Task.CompletedTask;
}
