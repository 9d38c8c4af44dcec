using System.Security.Claims;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>The agent registry and runs for machine callers (seed paths), and the read endpoints scripts and pages use.</summary>
public static class AgentsApi
{
    private const int MaxTextLength = 64 * 1024;

    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        var agents = app.MapMachineApi("/agents");
        agents.MapPost("/register", RegisterAsync).RequireAuthorization(ApiAuthentication.IngestPolicy).WithMetadata(new Hosting.IngestRateLimitMetadata());
        agents.MapGet("/", ListAsync).RequireAuthorization(ApiAuthentication.ReadPolicy);
        agents.MapGet("/{id}", GetAsync).RequireAuthorization(ApiAuthentication.ReadPolicy);
        agents.MapPatch("/{id}", UpdateAsync).RequireAuthorization(ApiAuthentication.IngestPolicy);
        agents.MapPost("/{id}/trace/start", StartRunAsync).RequireAuthorization(ApiAuthentication.IngestPolicy).WithMetadata(new Hosting.IngestRateLimitMetadata());
        agents.MapPost("/{id}/trace/end", EndRunAsync).RequireAuthorization(ApiAuthentication.IngestPolicy).WithMetadata(new Hosting.IngestRateLimitMetadata());
        agents.MapGet("/{id}/stats", GetStatsAsync).RequireAuthorization(ApiAuthentication.ReadPolicy);
        agents.MapGet("/{id}/traces", ListRunsAsync).RequireAuthorization(ApiAuthentication.ReadPolicy);
        agents.MapGet("/{id}/errors", ListTopErrorsAsync).RequireAuthorization(ApiAuthentication.ReadPolicy);

        var traces = app.MapMachineApi("/traces");
        traces.MapGet("/{traceId}", GetTraceAsync).RequireAuthorization(ApiAuthentication.ReadPolicy);
        return app;
    }

    /// <summary>A group of machine endpoints: problem details for every failure, never a sign-in redirect.</summary>
    public static RouteGroupBuilder MapMachineApi(this IEndpointRouteBuilder app, string prefix)
    {
        var group = app.MapGroup(prefix);
        group.WithMetadata(new MachineApiMetadata());
        group.AddEndpointFilter<ApiExceptionFilter>();
        group.DisableAntiforgery();
        return group;
    }

    internal static async Task<Results<Created<AgentReply>, Ok<AgentReply>>> RegisterAsync(
        HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, AuditLog audit, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        using var body = await JsonRequest.ReadAsync(request, api.Value.MaxBodyBytes, allowEmpty: false, cancellationToken);
        var name = body.String("name", required: true, maxLength: Agent.MaxNameLength);
        var type = body.Enum<AgentType>("type", AgentEnums.TryParseType, AgentEnums.AllowedTypes, required: true);
        var project = body.String("project_id", maxLength: 255);
        var externalId = body.String("external_id", maxLength: 255);
        var config = body.Object("config");
        if (project is not null && string.IsNullOrWhiteSpace(project))
        {
            body.Error("project_id", "must not be empty; leave it out to use the key's project.");
        }
        body.ThrowIfInvalid();

        var projectId = ResolveProject(user, project);
        var result = await registry.RegisterOrGetAsync(new RegisterAgentRequest
        {
            Name = name!,
            Type = type!.Value,
            ProjectId = projectId,
            ExternalId = externalId,
            Config = config,
        }, cancellationToken);
        var reply = AgentReply.From(result.Agent);
        if (result.Created)
        {
            await audit.RecordAsync(ApiAuthentication.ActorOf(request.HttpContext), AuditActions.AgentCreated, result.Agent.Name,
                $"type {result.Agent.Type.ToWire()}, project {result.Agent.ProjectId}", cancellationToken: cancellationToken);
        }
        return result.Created ? TypedResults.Created($"/agents/{reply.Id}", reply) : TypedResults.Ok(reply);
    }

    internal static async Task<Ok<PageReply<AgentReply>>> ListAsync(HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, CancellationToken cancellationToken)
    {
        var query = new QueryReader(request.Query);
        var type = query.Enum<AgentType>("type", AgentEnums.TryParseType, AgentEnums.AllowedTypes);
        var status = query.Enum<AgentStatus>("status", AgentEnums.TryParseStatus, AgentEnums.AllowedStatuses);
        var project = query.String("project_id");
        var search = query.String("search", 200);
        var page = query.Int("page", 1, 1, 1_000_000);
        var pageSize = query.Int("page_size", 50, 1, 500);
        if (user.CallerProject() is { } keyProject)
        {
            if (project is not null && project != keyProject)
            {
                query.Error("project_id", $"this API key can only read project '{keyProject}'.");
            }
            project = keyProject;
        }
        query.ThrowIfInvalid();

        var result = await registry.ListAsync(new ListAgentsRequest
        {
            Type = type,
            Status = status,
            ProjectId = project,
            Search = search,
            Page = page,
            PageSize = pageSize,
        }, cancellationToken);
        return TypedResults.Ok(new PageReply<AgentReply>([.. result.Items.Select(AgentReply.From)], result.TotalCount, result.Page, result.PageSize, result.HasMore));
    }

    internal static async Task<Ok<AgentReply>> GetAsync(string id, ClaimsPrincipal user, IAgentRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(AgentReply.From(await FindAgentAsync(id, user, registry, cancellationToken)));

    internal static async Task<Ok<AgentReply>> UpdateAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, AuditLog audit, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var agent = await FindAgentAsync(id, user, registry, cancellationToken);
        using var body = await JsonRequest.ReadAsync(request, api.Value.MaxBodyBytes, allowEmpty: false, cancellationToken);
        var type = body.Enum<AgentType>("type", AgentEnums.TryParseType, AgentEnums.AllowedTypes);
        var status = body.Enum<AgentStatus>("status", AgentEnums.TryParseStatus, AgentEnums.AllowedStatuses);
        var monitoring = body.Bool("monitoring_enabled");
        var config = body.Object("config");
        if (!body.Has("type") && !body.Has("status") && !body.Has("monitoring_enabled") && !body.Has("config"))
        {
            body.Error("body", "give at least one of type, status, monitoring_enabled, config.");
        }
        body.ThrowIfInvalid();

        var updated = await registry.UpdateAsync(agent.Id, new UpdateAgentRequest { Type = type, Status = status, MonitoringEnabled = monitoring, Config = config }, cancellationToken);
        await audit.RecordAsync(ApiAuthentication.ActorOf(request.HttpContext), AuditActions.AgentUpdated, updated.Name,
            string.Join(", ", new[] { type is null ? null : "type", status is null ? null : "status", monitoring is null ? null : "monitoring", config is null ? null : "config" }.OfType<string>()) + " changed",
            cancellationToken: cancellationToken);
        return TypedResults.Ok(AgentReply.From(updated));
    }

    internal static async Task<Results<Created<StartRunReply>, Ok<StartRunReply>>> StartRunAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, AgentRunService runs, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var agent = await FindAgentAsync(id, user, registry, cancellationToken);
        using var body = await JsonRequest.ReadAsync(request, api.Value.MaxBodyBytes, allowEmpty: true, cancellationToken);
        var traceId = body.String("trace_id", maxLength: 64);
        if (traceId is not null && !AgentRunService.IsHexId(traceId, 32))
        {
            body.Error("trace_id", "must be 32 lower-case hex characters (a W3C trace id), not all zeros; leave it out to have one made.");
        }
        var input = body.Text("input", MaxTextLength);
        var metadata = body.Object("metadata");
        body.ThrowIfInvalid();

        var started = await runs.StartAsync(agent.Id, new StartRunRequest { TraceId = traceId, Input = input, Metadata = metadata }, cancellationToken);
        var reply = new StartRunReply(started.TraceId, started.SpanId, started.StartedAt, started.Stored);
        return started.Stored ? TypedResults.Created($"/traces/{started.TraceId}", reply) : TypedResults.Ok(reply);
    }

    internal static async Task<Ok<EndRunReply>> EndRunAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, AgentRunService runs, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var agent = await FindAgentAsync(id, user, registry, cancellationToken);
        using var body = await JsonRequest.ReadAsync(request, api.Value.MaxBodyBytes, allowEmpty: false, cancellationToken);
        var traceId = body.String("trace_id", required: true, maxLength: 64);
        if (traceId is not null && !AgentRunService.IsHexId(traceId, 32))
        {
            body.Error("trace_id", "must be the 32 lower-case hex characters returned by trace/start.");
        }
        var status = body.Enum<RunStatus>("status", TryParseEndStatus, "ok, error") ?? RunStatus.Ok;
        var output = body.Text("output", MaxTextLength);
        var error = body.String("error", maxLength: 4_000);
        body.ThrowIfInvalid();

        var ended = await runs.EndAsync(agent.Id, new EndRunRequest { TraceId = traceId!, Status = status, Output = output, Error = error }, cancellationToken);
        return TypedResults.Ok(new EndRunReply(ended.TraceId, ended.Status.ToWire(), ended.EndedAt, ended.DurationMilliseconds, ended.Stored));
    }

    internal static async Task<Ok<StatsReply>> GetStatsAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, ITelemetryStore store, PriceTable prices, TimeProvider time, CancellationToken cancellationToken)
    {
        var agent = await FindAgentAsync(id, user, registry, cancellationToken);
        var (from, to) = ReadRange(new QueryReader(request.Query), time);
        var usage = await store.GetAgentUsageAsync(agent.Id, from, to, cancellationToken);
        // Priced now from token counts, so a price change re-prices history. Models without a price are
        // listed, and cost is null ("no price") when nothing could be priced, never 0.
        var cost = await prices.CostOfAsync(await store.GetModelUsageAsync(agent.Id, from, to, cancellationToken), cancellationToken);
        return TypedResults.Ok(new StatsReply(agent.Id, from, to, usage.Runs, usage.LlmCalls, usage.Errors, Math.Round(usage.ErrorRate, 4),
            usage.InputTokens, usage.OutputTokens, cost.Cost is { } c ? Math.Round(c, 6) : null, "USD", cost.UnpricedModels,
            cost.ReportedCost is { } r ? Math.Round(r, 6) : null, Round(usage.P50Milliseconds), Round(usage.P95Milliseconds),
            usage.LlmErrors, Math.Round(usage.LlmErrorRate, 4)));
    }

    internal static async Task<Ok<PageReply<RunReply>>> ListRunsAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, ITelemetryStore store, AgentActivityService activity, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var agent = await FindAgentAsync(id, user, registry, cancellationToken);
        var query = new QueryReader(request.Query);
        var status = query.Enum<RunStatus>("status", RunStatuses.TryParse, RunStatuses.Allowed);
        var page = query.Int("page", 1, 1, 1_000_000);
        var pageSize = query.Int("page_size", 50, 1, 500);
        var text = query.String("search", 200);
        var model = query.String("model", 200);
        var name = query.String("name", 200);
        var session = query.String("session", 200);
        var caller = query.String("user", 200);
        var (from, to) = ReadRange(query, time);

        var result = await store.ListRunsAsync(new ListRunsRequest
        {
            AgentId = agent.Id,
            From = from,
            To = to,
            Status = status,
            Text = text,
            Model = model,
            SpanName = name,
            Session = session,
            User = caller,
            Page = page,
            PageSize = pageSize,
        }, cancellationToken);
        var costs = await activity.CostOfRunsAsync([.. result.Items.Select(r => r.TraceId)], cancellationToken);
        return TypedResults.Ok(new PageReply<RunReply>([.. result.Items.Select(r => RunReply.From(r, costs))], result.TotalCount, result.Page, result.PageSize, result.HasMore));
    }

    internal static async Task<Ok<IReadOnlyList<ErrorGroupReply>>> ListTopErrorsAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IAgentRegistry registry, ITelemetryStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var agent = await FindAgentAsync(id, user, registry, cancellationToken);
        var query = new QueryReader(request.Query);
        var limit = query.Int("limit", 10, 1, 100);
        var (from, to) = ReadRange(query, time);
        var errors = await store.GetTopErrorsAsync(agent.Id, from, to, limit, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ErrorGroupReply>>([.. errors.Select(ErrorGroupReply.From)]);
    }

    internal static async Task<Ok<TraceReply>> GetTraceAsync(string traceId, ClaimsPrincipal user, ITelemetryStore store, AgentActivityService activity, CancellationToken cancellationToken)
    {
        var notFound = new NotFoundException($"No trace has the id '{traceId}'. Trace ids are the 32 hex characters returned by trace/start.");
        if (!AgentRunService.IsHexId(traceId, 32))
        {
            throw notFound;
        }
        var spans = await store.GetTraceAsync(traceId, cancellationToken);
        var run = await store.GetRunAsync(traceId, cancellationToken);
        if (spans.Count == 0 && run is null)
        {
            throw notFound;
        }
        if (user.CallerProject() is { } project && (run?.ProjectId ?? spans.FirstOrDefault(s => s.ProjectId is not null)?.ProjectId) is { } owner && owner != project)
        {
            throw notFound;
        }
        var cost = run is null ? null : await activity.CostOfCallsAsync(spans, cancellationToken);
        return TypedResults.Ok(new TraceReply(traceId, run is null ? null : RunReply.From(run, cost), [.. spans.Select(SpanReply.From)]));
    }

    /// <summary>An agent of another project is reported as missing to an API key of this one.</summary>
    private static async Task<Agent> FindAgentAsync(string id, ClaimsPrincipal user, IAgentRegistry registry, CancellationToken cancellationToken)
    {
        var notFound = new NotFoundException($"No agent has the id '{id}'. List agents with GET /agents, or register one with POST /agents/register.");
        if (!Guid.TryParse(id, out _))
        {
            throw notFound;
        }
        var agent = await registry.GetAsync(id, cancellationToken);
        if (agent is null || (user.CallerProject() is { } project && project != agent.ProjectId))
        {
            throw notFound;
        }
        return agent;
    }

    private static string ResolveProject(ClaimsPrincipal user, string? requested)
    {
        var keyProject = user.CallerProject();
        if (keyProject is not null && requested is not null && requested != keyProject)
        {
            throw new ForbiddenException($"This API key belongs to project '{keyProject}' and cannot register agents in '{requested}'. Leave project_id out, or use a key of that project.");
        }
        return requested ?? keyProject ?? Agent.DefaultProject;
    }

    internal static (DateTime From, DateTime To) ReadRange(QueryReader query, TimeProvider time)
    {
        var to = query.Time("to") ?? time.GetUtcNow().UtcDateTime;
        var from = query.Time("from") ?? to.AddHours(-24);
        if (from >= to)
        {
            query.Error("from", "must be earlier than 'to'.");
        }
        query.ThrowIfInvalid();
        return (from, to);
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 1) : null;

    /// <summary>A run ends as ok or error; "running" is not an end.</summary>
    private static bool TryParseEndStatus(string? text, out RunStatus status) =>
        RunStatuses.TryParse(text, out status) && status != RunStatus.Running;
}
