using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentPortal.Core.Tests.Agents;

/// <summary>What the registry must do on every relational provider.</summary>
public abstract class AgentRegistryContractTests : IAsyncLifetime
{
    private IDbContextFactory<PortalDbContext> _contexts = null!;

    protected abstract Task<IDbContextFactory<PortalDbContext>> CreateDatabaseAsync();

    public async Task InitializeAsync() => _contexts = await CreateDatabaseAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Each call is a separate process's view: its own cache.</summary>
    private AgentRegistry NewRegistry() => new(_contexts, new AgentCache(), TimeProvider.System, NullLogger<AgentRegistry>.Instance);

    private static RegisterAgentRequest Request(string name, string project = Agent.DefaultProject, string? externalId = null) =>
        new() { Name = name, Type = AgentType.Vanna, ProjectId = project, ExternalId = externalId, Config = """{"db":"sales"}""" };

    [Fact]
    public async Task Register_SameNameTwice_ReturnsSameAgent()
    {
        var registry = NewRegistry();

        var first = await registry.RegisterOrGetAsync(Request("vanna-sales"), CancellationToken.None);
        var second = await NewRegistry().RegisterOrGetAsync(Request("vanna-sales"), CancellationToken.None);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Agent.Id, second.Agent.Id);
        Assert.Equal("""{"db":"sales"}""", second.Agent.Config);
    }

    [Fact]
    public async Task Register_SameNameInAnotherProject_IsAnotherAgent()
    {
        var a = await NewRegistry().RegisterOrGetAsync(Request("flow", "team-a"), CancellationToken.None);
        var b = await NewRegistry().RegisterOrGetAsync(Request("flow", "team-b"), CancellationToken.None);

        Assert.NotEqual(a.Agent.Id, b.Agent.Id);
    }

    [Fact]
    public async Task Register_FiftyParallelCallsFromSeparateProcesses_GiveOneRowAndOneId()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() =>
            NewRegistry().RegisterOrGetAsync(Request("busy-agent"), CancellationToken.None))));

        Assert.Single(results.Select(r => r.Agent.Id).Distinct());
        Assert.Single(results, r => r.Created);
        await using var db = await _contexts.CreateDbContextAsync();
        Assert.Equal(1, await db.Agents.CountAsync(a => a.Name == "busy-agent"));
    }

    [Fact]
    public async Task Register_FiftyParallelCallsInOneProcess_GiveOneRowAndOneId()
    {
        var registry = NewRegistry();

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() =>
            registry.RegisterOrGetAsync(Request("busy-in-process"), CancellationToken.None))));

        Assert.Single(results.Select(r => r.Agent.Id).Distinct());
        await using var db = await _contexts.CreateDbContextAsync();
        Assert.Equal(1, await db.Agents.CountAsync(a => a.Name == "busy-in-process"));
    }

    [Fact]
    public async Task GetByIdAndExternalId_FindTheAgent_AndUpdatesAreSeenAtOnce()
    {
        var registry = NewRegistry();
        var agent = (await registry.RegisterOrGetAsync(Request("langflow-1", externalId: "flow-123"), CancellationToken.None)).Agent;

        Assert.Equal(agent.Id, (await registry.GetByExternalIdAsync(Agent.DefaultProject, "flow-123", CancellationToken.None))!.Id);
        Assert.Equal("langflow-1", (await registry.GetAsync(agent.Id, CancellationToken.None))!.Name);

        await registry.UpdateAsync(agent.Id, new UpdateAgentRequest { MonitoringEnabled = false, Config = """{"v":2}""" }, CancellationToken.None);
        await registry.DeactivateAsync(agent.Id, CancellationToken.None);

        var updated = await registry.GetAsync(agent.Id, CancellationToken.None);
        Assert.False(updated!.MonitoringEnabled);
        Assert.Equal(AgentStatus.Inactive, updated.Status);
        Assert.Equal("""{"v":2}""", updated.Config);
        Assert.Equal(AgentStatus.Inactive, (await NewRegistry().GetAsync(agent.Id, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Update_UnknownAgent_IsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => NewRegistry().UpdateAsync(Guid.NewGuid().ToString(), new UpdateAgentRequest { Status = AgentStatus.Active }, CancellationToken.None));
    }

    [Fact]
    public async Task List_FiltersAndSortsByLastUsed()
    {
        var registry = NewRegistry();
        var old = (await registry.RegisterOrGetAsync(Request("list-old", "list-project"), CancellationToken.None)).Agent;
        var recent = (await registry.RegisterOrGetAsync(Request("list-recent", "list-project"), CancellationToken.None)).Agent;
        var never = (await registry.RegisterOrGetAsync(new RegisterAgentRequest { Name = "list-never", Type = AgentType.Flowise, ProjectId = "list-project", ExternalId = "chatflow-9" }, CancellationToken.None)).Agent;
        await registry.TouchAsync(old.Id, new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), CancellationToken.None);
        await registry.TouchAsync(recent.Id, new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc), CancellationToken.None);

        var all = await registry.ListAsync(new ListAgentsRequest { ProjectId = "list-project" }, CancellationToken.None);
        Assert.Equal([recent.Id, old.Id, never.Id], all.Items.Select(a => a.Id));
        Assert.Equal(3, all.TotalCount);

        Assert.Equal(never.Id, Assert.Single((await registry.ListAsync(new ListAgentsRequest { ProjectId = "list-project", Type = AgentType.Flowise }, CancellationToken.None)).Items).Id);
        Assert.Equal(never.Id, Assert.Single((await registry.ListAsync(new ListAgentsRequest { ProjectId = "list-project", Search = "CHATFLOW" }, CancellationToken.None)).Items).Id);
        Assert.Equal(recent.Id, Assert.Single((await registry.ListAsync(new ListAgentsRequest { ProjectId = "list-project", Search = "recent" }, CancellationToken.None)).Items).Id);
        var page = await registry.ListAsync(new ListAgentsRequest { ProjectId = "list-project", Page = 2, PageSize = 2 }, CancellationToken.None);
        Assert.Equal(never.Id, Assert.Single(page.Items).Id);
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task Touch_OnlyMovesLastUsedForward()
    {
        var registry = NewRegistry();
        var agent = (await registry.RegisterOrGetAsync(Request("touchy"), CancellationToken.None)).Agent;
        var later = new DateTime(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

        await registry.TouchAsync(agent.Id, later, CancellationToken.None);
        await NewRegistry().TouchAsync(agent.Id, later.AddHours(-3), CancellationToken.None);

        Assert.Equal(later, (await NewRegistry().GetAsync(agent.Id, CancellationToken.None))!.LastUsedAt);
    }
}
