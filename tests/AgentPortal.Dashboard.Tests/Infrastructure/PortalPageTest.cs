using AgentPortal.Core;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Data;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Dashboard.Hosting;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>
/// Base for page tests: the portal's real Core services over a throw-away SQLite data folder, the
/// telemetry store behind <see cref="ScriptedTelemetryStore"/> (so a test can hold or fail its reads),
/// the pages' view models, an interactive renderer and a signed-in Admin.
/// </summary>
public abstract class PortalPageTest : PortalComponentTest
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "agentportal-page-tests", Guid.NewGuid().ToString("N"));

    /// <param name="settings">Configuration besides the data folder, e.g. the LLM gateway's address.</param>
    protected PortalPageTest(IReadOnlyDictionary<string, string?>? settings = null)
    {
        Directory.CreateDirectory(_dataDirectory);
        Services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = _dataDirectory })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build());
        Services.AddPortalCore(_dataDirectory);
        Store = new ScriptedTelemetryStore(new SqliteTelemetryStore(Path.Combine(_dataDirectory, "telemetry.db")));
        Services.AddSingleton<ITelemetryStore>(Store);
        Services.AddSingleton<TimeProvider>(Clock);
        Services.AddIdentityCore<PortalUser>(options => PasswordPolicy.Apply(options.Password)).AddRoles<IdentityRole>().AddEntityFrameworkStores<PortalDbContext>();
        Services.AddDashboardViewModels();
        Authorization = AddAuthorization();
        Authorization.SetAuthorized(AdminEmail);
        Authorization.SetRoles(PortalRoles.Admin);
        // Last: reaching the renderer builds the service provider.
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    /// <summary>Who is signed in: an Admin unless a test says otherwise.</summary>
    protected BunitAuthorizationContext Authorization { get; }

    protected const string AdminEmail = "admin@example.com";

    protected ScriptedTelemetryStore Store { get; }

    protected IAgentRegistry Registry => Services.GetRequiredService<IAgentRegistry>();

    /// <summary>Now on the test's clock, as a UTC DateTime.</summary>
    protected DateTime Now => Clock.GetUtcNow().UtcDateTime;

    public override async Task InitializeAsync()
    {
        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDatabaseInitializer>().MigrateAsync(CancellationToken.None);
        }
        await Store.InitializeAsync(CancellationToken.None);
        await Services.GetRequiredService<PriceTable>().EnsureDefaultsAsync(CancellationToken.None);
        // MudBlazor's selects and menus open in popovers that need a provider on the page.
        Render<MudPopoverProvider>();
    }

    protected override async Task DisposeComponentTestAsync()
    {
        await Store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    /// <summary>Puts the page's query in the address, as a link or a filter change would.</summary>
    protected void Navigate(string uri) => Services.GetRequiredService<NavigationManager>().NavigateTo(uri);

    protected async Task<Agent> RegisterAsync(string name, AgentType type = AgentType.Custom) =>
        (await Registry.RegisterOrGetAsync(new RegisterAgentRequest { Name = name, Type = type }, CancellationToken.None)).Agent;

    /// <summary>A run of the agent started <paramref name="ago"/> before now, with one LLM call when a model is given; returns its trace id.</summary>
    protected async Task<string> RunAsync(Agent agent, TimeSpan ago, RunStatus status, string? model = null, string? error = null, string? input = null, string? metadata = null)
    {
        var run = new RunStart
        {
            TraceId = AgentRunService.NewHexId(16),
            SpanId = AgentRunService.NewHexId(8),
            AgentId = agent.Id,
            AgentName = agent.Name,
            ProjectId = agent.ProjectId,
            StartedUnixNano = AgentRunService.ToUnixNano(Now - ago),
            Input = input,
            Metadata = metadata,
        };
        var writes = new List<TelemetryWrite> { new TelemetryWrite.StartRun(run) };
        if (model is not null)
        {
            writes.Add(new TelemetryWrite.AppendSpans(
            [
                new SpanRecord
                {
                    TraceId = run.TraceId,
                    SpanId = AgentRunService.NewHexId(8),
                    ParentSpanId = run.SpanId,
                    Name = $"chat {model}",
                    AgentId = agent.Id,
                    StartTimeUnixNano = run.StartedUnixNano + 1_000_000,
                    DurationNanos = 50_000_000,
                    Operation = "chat",
                    RequestModel = model,
                    InputTokens = 120,
                    OutputTokens = 30,
                },
            ]));
        }
        writes.Add(new TelemetryWrite.EndRun(new RunEnd
        {
            TraceId = run.TraceId,
            AgentId = agent.Id,
            EndedUnixNano = run.StartedUnixNano + 100_000_000,
            Status = status,
            Error = error,
        }));
        var outcomes = await Store.WriteBatchAsync(writes, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(WriteOutcomeKind.Done, o.Kind));
        return run.TraceId;
    }
}
