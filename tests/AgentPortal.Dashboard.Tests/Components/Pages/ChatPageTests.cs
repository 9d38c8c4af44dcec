using System.Security.Claims;
using AgentPortal.Core.Chat;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Chat;
using AgentPortal.Dashboard.Model;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

/// <summary>One loopback gateway for the chat page tests, speaking LiteLLM's OpenAI-compatible API.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public FakeLlmGateway Gateway { get; private set; } = null!;

    public FakeRunners Runners { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Gateway = await FakeLlmGateway.StartAsync();
        Runners = await FakeRunners.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Runners.DisposeAsync();
    }
}

public class ChatPageTests : PortalPageTest, IClassFixture<GatewayFixture>
{
    private readonly FakeLlmGateway _gateway;
    private string _userId = "";

    public ChatPageTests(GatewayFixture fixture)
        : base(new Dictionary<string, string?>
        {
            ["Llm:BaseUrl"] = fixture.Gateway.BaseUrl,
            ["Llm:ApiKey"] = FakeLlmGateway.Key,
            ["Llm:DefaultModel"] = "gpt-4o-mini",
            ["Llm:MaxRetries"] = "0",
            ["Integrations:Langflow:Url"] = fixture.Runners.BaseUrl,
            ["Integrations:Langflow:ApiKey"] = FakeRunners.LangflowKey,
        })
    {
        _gateway = fixture.Gateway;
        _gateway.Behaviour = GatewayBehaviour.Answer;
        _gateway.PieceDelay = TimeSpan.Zero;
        _gateway.SqlAnswer = "SELECT trace_id, name FROM spans ORDER BY start_unix_nano DESC LIMIT 10";
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = new PortalUser { UserName = AdminEmail, Email = AdminEmail };
        Assert.True((await users.CreateAsync(user)).Succeeded);
        _userId = user.Id;
        Authorization.SetClaims(new Claim(ClaimTypes.NameIdentifier, _userId));
        // Chat calls are recorded through the write queue, which commits on its own loop (stopped when the services are disposed).
        await Services.GetRequiredService<TelemetryWriter>().StartAsync(CancellationToken.None);
    }

    private ConversationStore Conversations => Services.GetRequiredService<ConversationStore>();

    [Fact]
    public void ListsTheGatewaysModelsWithTheirPrices_AndSaysThereAreNoConversationsYet()
    {
        var page = Render<Chat>();

        page.WaitForAssertion(() => Assert.Contains(UiText.ChatPage.PerMillion, page.Markup), s_waitTimeout);
        page.WaitForAssertion(() => Assert.Equal(LoadState.Loaded, page.Instance.ViewModel.Agents.State), s_waitTimeout);
        Assert.Contains("$0.15 / $0.6", page.Markup);
        Assert.Contains(UiText.ChatPage.NoConversations, page.Markup);
        Assert.Contains(UiText.ChatPage.Empty, page.Markup);
    }

    [Fact]
    public async Task SendingAMessage_ShowsTheAnswerWithItsFigures_AndSavesTheConversation()
    {
        var page = Render<Chat>();
        page.WaitForAssertion(() => Assert.Contains(UiText.ChatPage.PerMillion, page.Markup), s_waitTimeout);
        page.WaitForAssertion(() => Assert.Equal(LoadState.Loaded, page.Instance.ViewModel.Agents.State), s_waitTimeout);

        await page.InvokeAsync(() => page.FindAll("textarea")[^1].Input("Say hello"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains(UiText.ChatPage.Send)).Click());

        page.WaitForAssertion(() => Assert.Contains("Hello from the gateway.", page.Find("[data-testid=chat-answer]").TextContent), s_waitTimeout);
        page.WaitForAssertion(() =>
        {
            var figures = page.Find("[data-testid=chat-figures]").TextContent;
            Assert.Contains("12 in", figures);
            Assert.Contains("4 out", figures);
            Assert.Contains(UiText.ChatPage.OpenTrace, figures);
        }, s_waitTimeout);
        page.WaitForAssertion(() => Assert.Contains("Say hello", page.Find($"[role=navigation][aria-label='{UiText.ChatPage.Conversations}']").TextContent), s_waitTimeout);
        var saved = Assert.Single(await Conversations.ListAsync(_userId, CancellationToken.None));
        var conversation = await Conversations.GetAsync(_userId, saved.Id, CancellationToken.None);
        Assert.Equal(["user", "assistant"], conversation.Messages.Select(m => m.Role));
        Assert.Equal("gpt-4o-mini", conversation.Model);
        Assert.NotNull(conversation.Messages[1].TraceId);
    }

    [Fact]
    public async Task ARunnerAgent_AnswersFromItsFlow_WithItsRunAsTheTrace()
    {
        var agent = (await Registry.RegisterOrGetAsync(new AgentPortal.Core.Agents.RegisterAgentRequest
        {
            Name = "langflow-basic-prompting",
            Type = AgentPortal.Core.Agents.AgentType.Langflow,
            ExternalId = "langflow-basic-prompting",
        }, CancellationToken.None)).Agent;
        var page = Render<Chat>();
        page.WaitForAssertion(() => Assert.Contains(UiText.ChatPage.PerMillion, page.Markup), s_waitTimeout);
        page.WaitForAssertion(() => Assert.Equal(LoadState.Loaded, page.Instance.ViewModel.Agents.State), s_waitTimeout);
        page.WaitForAssertion(() => Assert.NotNull(page.Instance.ViewModel.Agents.Value), s_waitTimeout);

        await page.InvokeAsync(() => page.Instance.ViewModel.AgentId = agent.Id);
        await page.InvokeAsync(() => page.FindAll("textarea")[^1].Input("Top customers?"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains(UiText.ChatPage.Send)).Click());

        page.WaitForAssertion(() => Assert.Contains("Langflow says: Top customers?", page.Find("[data-testid=chat-answer]").TextContent), s_waitTimeout);
        var link = page.Find("[data-testid=chat-figures] a").GetAttribute("href")!;
        var run = await Store.GetRunAsync(link.Split('/')[^1], CancellationToken.None);
        Assert.Equal(agent.Id, run!.AgentId);
        Assert.Equal(AgentPortal.Core.Telemetry.RunStatus.Ok, run.Status);
    }

    [Fact]
    public async Task TextToSql_ProposedSqlThatWrites_IsShownWithWhyItWillNotRun_AndCannotBeRun()
    {
        _gateway.SqlAnswer = "DELETE FROM spans";
        var page = Render<AgentPortal.Dashboard.Components.Pages.Sql.TextToSql>();

        await page.InvokeAsync(() => page.Find("textarea").Input("remove everything"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains(UiText.SqlPage.Ask)).Click());

        page.WaitForAssertion(() => Assert.Contains("DELETE FROM spans", page.Find("[data-testid=sql-text]").TextContent), s_waitTimeout);
        Assert.Contains(UiText.SqlPage.WillNotRun, page.Markup);
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() == UiText.SqlPage.Run);
    }

    [Fact]
    public async Task TextToSql_RunsTheProposedSelect_AndShowsItsRows()
    {
        var page = Render<AgentPortal.Dashboard.Components.Pages.Sql.TextToSql>();

        await page.InvokeAsync(() => page.Find("textarea").Input("latest spans"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains(UiText.SqlPage.Ask)).Click());
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("button"), b => b.TextContent.Trim() == UiText.SqlPage.Run), s_waitTimeout);
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == UiText.SqlPage.Run).Click());

        page.WaitForAssertion(() => Assert.Contains("chat gpt-4o-mini", page.Find($"[role=region][aria-label='{UiText.SqlPage.Results}']").TextContent), s_waitTimeout);
    }

    [Fact]
    public async Task AGatewayError_IsShownInPlace_AndTheTypedMessageIsKept()
    {
        _gateway.Behaviour = GatewayBehaviour.ServerError;
        var page = Render<Chat>();
        page.WaitForAssertion(() => Assert.Contains(UiText.ChatPage.PerMillion, page.Markup), s_waitTimeout);
        page.WaitForAssertion(() => Assert.Equal(LoadState.Loaded, page.Instance.ViewModel.Agents.State), s_waitTimeout);

        await page.InvokeAsync(() => page.FindAll("textarea")[^1].Input("Will this fail?"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains(UiText.ChatPage.Send)).Click());

        page.WaitForAssertion(() => Assert.Contains("upstream provider failed", page.Find("[data-testid=chat-error]").TextContent), s_waitTimeout);
        Assert.Equal("Will this fail?", page.FindAll("textarea")[^1].GetAttribute("value") ?? page.FindAll("textarea")[^1].TextContent);
        Assert.Empty(page.FindAll("[data-testid=chat-question]"));
        Assert.Empty(await Conversations.ListAsync(_userId, CancellationToken.None));
    }

    [Fact]
    public async Task ASavedConversation_Opens_IsRenamed_AndIsDeleted()
    {
        var created = await Conversations.CreateAsync(_userId, "Quarterly numbers", new ConversationSettings("gpt-4o-mini", null, "Be brief.", 0.2, 100), CancellationToken.None);
        await Conversations.AddMessageAsync(_userId, created.Id, new ConversationMessage { Id = "", ConversationId = "", Role = "user", Content = "Revenue in Q3?" }, CancellationToken.None);
        await Conversations.AddMessageAsync(_userId, created.Id, new ConversationMessage { Id = "", ConversationId = "", Role = "assistant", Content = "**42** million" }, CancellationToken.None);
        var page = Render<Chat>();
        page.WaitForAssertion(() => Assert.Contains("Quarterly numbers", page.Markup), s_waitTimeout);

        await page.InvokeAsync(() => page.Find(".conversation-open").Click());
        page.WaitForAssertion(() => Assert.Contains("<strong>42</strong> million", page.Find("[data-testid=chat-answer]").InnerHtml), s_waitTimeout);
        Assert.Contains("Be brief.", page.Markup);

        await page.InvokeAsync(() => page.Find($"button[aria-label='{UiText.ChatPage.Rename} Quarterly numbers']").Click());
        await page.InvokeAsync(() => page.Find(".conversation-list input").Input("Q3 revenue"));
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent == UiText.ChatPage.Save).Click());
        page.WaitForAssertion(() => Assert.Contains("Q3 revenue", page.Find(".conversation-list").TextContent), s_waitTimeout);
        Assert.Equal("Q3 revenue", (await Conversations.GetAsync(_userId, created.Id, CancellationToken.None)).Title);

        var dialogs = Render<MudBlazor.MudDialogProvider>();
        await page.InvokeAsync(() => page.Find($"button[aria-label='{UiText.ChatPage.Delete} Q3 revenue']").Click());
        dialogs.WaitForAssertion(() => Assert.Contains("cannot be undone", dialogs.Markup), s_waitTimeout);
        await dialogs.InvokeAsync(() => dialogs.FindAll("button").Single(b => b.TextContent.Trim() == UiText.ChatPage.Delete).Click());
        page.WaitForAssertion(() => Assert.Contains(UiText.ChatPage.NoConversations, page.Markup), s_waitTimeout);
        Assert.Empty(page.FindAll("[data-testid=chat-answer]"));
        Assert.Empty(await Conversations.ListAsync(_userId, CancellationToken.None));
    }

    [Fact]
    public async Task AnotherPersonsConversation_IsNotFound()
    {
        var created = await Conversations.CreateAsync(_userId, "Mine", new ConversationSettings(null, null, null, null, null), CancellationToken.None);

        await Assert.ThrowsAsync<AgentPortal.Core.Common.NotFoundException>(() => Conversations.GetAsync("someone-else", created.Id, CancellationToken.None));
        await Assert.ThrowsAsync<AgentPortal.Core.Common.NotFoundException>(() => Conversations.DeleteAsync("someone-else", created.Id, CancellationToken.None));
        Assert.Single(await Conversations.ListAsync(_userId, CancellationToken.None));
    }
}

public class ChatPageWithoutGatewayTests : PortalPageTest
{
    [Fact]
    public void TextToSql_SaysItNeedsTheGateway()
    {
        var page = Render<AgentPortal.Dashboard.Components.Pages.Sql.TextToSql>();

        Assert.Contains(UiText.SqlPage.NeedsGateway, page.Markup);
        Assert.Empty(page.FindAll("textarea"));
    }

    [Fact]
    public void SaysWhichSettingsToSet_WithAnExample()
    {
        var page = Render<Chat>();

        Assert.Contains(UiText.ChatPage.NotConfiguredTitle, page.Markup);
        Assert.Contains("Llm__BaseUrl=http://litellm:4000", page.Markup);
        Assert.Empty(page.FindAll("textarea"));
    }
}
