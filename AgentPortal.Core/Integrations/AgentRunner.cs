using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Integrations;

/// <summary>The agent platforms the portal runs agents on.</summary>
public enum RunnerKind
{
    Langflow,
    Flowise,
    AutoGen,
}

/// <summary>What differs between the runner platforms, in one place.</summary>
public sealed record RunnerInfo(RunnerKind Kind, string Prefix, AgentType AgentType, string Example, string Thing, string HealthPath)
{
    public static RunnerInfo Of(RunnerKind kind) => kind switch
    {
        RunnerKind.Langflow => new(kind, "langflow", AgentType.Langflow, "http://langflow:7860", "flow", "health"),
        RunnerKind.Flowise => new(kind, "flowise", AgentType.Flowise, "http://flowise:3000", "chatflow", "api/v1/ping"),
        _ => new(kind, "autogen", AgentType.Autogen, "http://autogen-team:8084", "team", "docs"),
    };

    public UpstreamOptions Upstream(IntegrationOptions options) => Kind switch
    {
        RunnerKind.Langflow => options.Langflow,
        RunnerKind.Flowise => options.Flowise,
        _ => options.AutoGen,
    };
}

/// <summary>A finished run of a runner agent.</summary>
public sealed record RunnerRun(string AgentId, string AgentName, string TraceId, string Output, double DurationMilliseconds);

/// <summary>
/// A runner could not run: not configured (503), a bad id (400), the platform failed (502) or took too
/// long (504). When a run was opened, <see cref="TraceId"/> names it; it was ended as an error carrying the upstream's status and message.
/// </summary>
public sealed class RunnerException(int statusCode, string title, string message, string? traceId = null, Exception? inner = null) : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;

    public string Title { get; } = title;

    public string? TraceId { get; } = traceId;
}

/// <summary>
/// Runs a Langflow flow or a Flowise chatflow as an agent of the portal: registers (or finds) the
/// agent <c>langflow-{flow_id}</c> / <c>flowise-{chatflow_id}</c>, opens a run, calls the platform
/// with the run's trace id as its session and the agent and run passed on for its LLM calls, and ends
/// the run with the answer, or as an error with the platform's status and message. Runs are not
/// retried: a flow may have side effects.
/// </summary>
public sealed partial class AgentRunner(IOptions<IntegrationOptions> options, IHttpClientFactory clients, IAgentRegistry registry, AgentRunService runs, ILogger<AgentRunner> logger)
{
    public const string HttpClientName = "agentportal-runners";
    public const int MaxIdLength = 200;

    /// <summary>The longest URL-escaped task sent to AutoGen Studio; web servers commonly refuse request lines over 8 KiB.</summary>
    public const int MaxAutoGenTaskUrlLength = 7000;

    public bool IsConfigured(RunnerKind kind) => Upstream(kind).Enabled;

    /// <summary>The agent name (and external id) of a flow: <c>langflow-{id}</c> or <c>flowise-{id}</c>.</summary>
    public static string AgentName(RunnerKind kind, string id) => $"{Prefix(kind)}-{id}";

    /// <summary>The runner and flow of an agent registered by a runner, from its external id; null for other agents.</summary>
    public static (RunnerKind Kind, string Id)? Of(Agent agent)
    {
        foreach (var kind in Enum.GetValues<RunnerKind>())
        {
            var prefix = Prefix(kind) + "-";
            if (agent.ExternalId is { } external && external.StartsWith(prefix, StringComparison.Ordinal) && external.Length > prefix.Length)
            {
                return (kind, external[prefix.Length..]);
            }
        }
        return null;
    }

    public async Task<RunnerRun> RunAsync(RunnerKind kind, string id, string input, string projectId, CancellationToken cancellationToken)
    {
        var upstream = Upstream(kind);
        if (!upstream.Enabled)
        {
            throw new RunnerException(503, $"{kind} is not configured",
                $"{kind} is not configured. Set Integrations:{kind}:Url (environment variable Integrations__{kind}__Url) to its base URL, e.g. {RunnerInfo.Of(kind).Example}, and Integrations:{kind}:ApiKey to its API key.");
        }
        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw ValidationFailedException.For("id", $"'{id}' is not a {RunnerInfo.Of(kind).Thing} id: 1 to {MaxIdLength} letters, digits, '-' or '_', as in the {kind} URL.");
        }
        if (string.IsNullOrWhiteSpace(input))
        {
            throw ValidationFailedException.For("input", "Give the message to send to the flow.");
        }
        if (kind == RunnerKind.AutoGen && Uri.EscapeDataString(input).Length is var escaped && escaped > MaxAutoGenTaskUrlLength)
        {
            // Found by the fuzzer: a long task made AutoGen's server answer 414, which came back as a 502.
            throw ValidationFailedException.For("input", $"is too long for AutoGen Studio, which takes the task in the URL (GET /predict/{{task}}): at most {MaxAutoGenTaskUrlLength} characters once URL-escaped, and this one is {escaped}. Shorten it.");
        }

        var name = AgentName(kind, id);
        var agent = (await registry.RegisterOrGetAsync(new RegisterAgentRequest
        {
            Name = name,
            Type = RunnerInfo.Of(kind).AgentType,
            ProjectId = projectId,
            ExternalId = name,
            RegisteredVia = RegistrationSources.Portal,
        }, cancellationToken)).Agent;
        var run = await runs.StartAsync(agent.Id, new StartRunRequest { Input = input }, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(upstream.Timeout);
        string? failure = null;
        try
        {
            var output = kind switch
            {
                RunnerKind.Langflow => await RunLangflowAsync(upstream, id, input, agent.Id, run.TraceId, timeout.Token),
                RunnerKind.Flowise => await RunFlowiseAsync(upstream, id, input, agent.Id, run.TraceId, timeout.Token),
                _ => await RunAutoGenAsync(upstream, input, timeout.Token),
            };
            await runs.EndAsync(agent.Id, new EndRunRequest { TraceId = run.TraceId, Status = RunStatus.Ok, Output = output }, CancellationToken.None);
            return new RunnerRun(agent.Id, agent.Name, run.TraceId, output, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            failure = $"{kind} did not answer within {upstream.Timeout.TotalSeconds:0} s (Integrations:{kind}:Timeout).";
            throw new RunnerException(504, $"{kind} timed out", failure, run.TraceId, ex);
        }
        catch (OperationCanceledException)
        {
            failure = "The caller stopped waiting before the flow answered.";
            throw;
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(kind.ToString(), ex.Message);
            failure = $"{kind} at {Describe(upstream)} could not be reached ({ex.Message}). Check Integrations:{kind}:Url and that it is running.";
            throw new RunnerException(502, $"{kind} could not be reached", failure, run.TraceId, ex);
        }
        catch (RunnerException ex)
        {
            failure = ex.Message;
            throw new RunnerException(ex.StatusCode, ex.Title, ex.Message, run.TraceId, ex);
        }
        finally
        {
            if (failure is not null)
            {
                await runs.EndAsync(agent.Id, new EndRunRequest { TraceId = run.TraceId, Status = RunStatus.Error, Error = failure }, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Langflow's run API: <c>POST /api/v1/run/{flow_id}</c> with <c>x-api-key</c>. The run's trace id is
    /// the session; a configured model component gets the agent and run as <c>model_kwargs.metadata</c>.
    /// The answer is the Chat Output's message.
    /// </summary>
    private async Task<string> RunLangflowAsync(UpstreamOptions upstream, string flowId, string input, string agentId, string traceId, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["input_value"] = input,
            ["input_type"] = "chat",
            ["output_type"] = "chat",
            ["session_id"] = traceId,
        };
        if (upstream.ModelComponent is { Length: > 0 } component)
        {
            body["tweaks"] = new JsonObject
            {
                [component] = new JsonObject { ["model_kwargs"] = new JsonObject { ["metadata"] = new JsonObject { ["agent_id"] = agentId, ["parent_trace_id"] = traceId } } },
            };
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(upstream, $"api/v1/run/{Uri.EscapeDataString(flowId)}?stream=false")) { Content = JsonContent.Create(body) };
        if (upstream.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Add("x-api-key", key);
        }
        var answer = await SendAsync(RunnerKind.Langflow, request, cancellationToken);
        var first = answer["outputs"]?[0]?["outputs"]?[0];
        return Text(first?["results"]?["message"]?["text"])
            ?? Text(first?["outputs"]?["message"]?["message"])
            ?? Text(first?["artifacts"]?["message"])
            ?? throw new RunnerException(502, "Langflow answered without a message",
                "Langflow ran the flow but its answer has no chat message (outputs[0].outputs[0].results.message.text). Check that the flow ends in a Chat Output component.");
    }

    /// <summary>
    /// Flowise's prediction API: <c>POST /api/v1/prediction/{chatflow_id}</c> with a Bearer key. The run's
    /// trace id is the session, and the agent and run are <c>$vars.agent_id</c> and <c>$vars.parent_trace_id</c>
    /// for the chatflow's model node (Override Configuration must allow them).
    /// </summary>
    private async Task<string> RunFlowiseAsync(UpstreamOptions upstream, string chatflowId, string input, string agentId, string traceId, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["question"] = input,
            ["overrideConfig"] = new JsonObject
            {
                ["sessionId"] = traceId,
                ["vars"] = new JsonObject { ["agent_id"] = agentId, ["parent_trace_id"] = traceId },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, Url(upstream, $"api/v1/prediction/{Uri.EscapeDataString(chatflowId)}")) { Content = JsonContent.Create(body) };
        if (upstream.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        var answer = await SendAsync(RunnerKind.Flowise, request, cancellationToken);
        return Text(answer["text"]) ?? (answer["json"] is { } json ? json.ToJsonString() : null)
            ?? throw new RunnerException(502, "Flowise answered without text", "Flowise ran the chatflow but its answer has no 'text'.");
    }

    /// <summary>
    /// An AutoGen Studio team served by <c>autogenstudio serve --team team.json</c>: <c>GET /predict/{task}</c>
    /// answers <c>{"status", "message", "data": {"task_result": {"messages": […], "stop_reason"}, "duration"}}</c>.
    /// The answer is the last message's text. That endpoint takes only the task, so the agent and run
    /// cannot be passed on to the team's LLM calls; the run itself is recorded.
    /// </summary>
    private async Task<string> RunAutoGenAsync(UpstreamOptions upstream, string task, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(upstream, "predict/" + Uri.EscapeDataString(task)));
        if (upstream.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        var answer = await SendAsync(RunnerKind.AutoGen, request, cancellationToken);
        if (answer["status"] is JsonValue status && status.TryGetValue<bool>(out var ok) && !ok)
        {
            throw new RunnerException(502, "AutoGen failed", $"The AutoGen team failed: {Text(answer["message"]) ?? "no message"}.");
        }
        var messages = answer["data"]?["task_result"]?["messages"] as JsonArray;
        var last = messages?.LastOrDefault(m => m?["content"] is JsonValue);
        return Text(last?["content"])
            ?? throw new RunnerException(502, "AutoGen answered without a message", "The AutoGen team finished without a text message (data.task_result.messages).");
    }

    private async Task<JsonNode> SendAsync(RunnerKind kind, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            // Reported below with the status, or as an unreadable answer.
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            var message = Text(json?["detail"]) ?? Text(json?["detail"]?["message"]) ?? Text(json?["message"]) ?? Text(json?["error"]) ?? Shorten(text) ?? response.ReasonPhrase ?? "no message";
            var hint = status is 401 or 403 ? $" Check Integrations:{kind}:ApiKey." : status == 404 ? $" Check the {RunnerInfo.Of(kind).Thing} id." : "";
            if (status is 400 or 413 or 414 or 422)
            {
                // The platform refused what was sent (found by the fuzzer, as a 502): the caller's input is
                // the thing to change, so the caller hears it as such, with the platform's own words.
                throw new RunnerException(422, $"{kind} refused the input", $"{kind} answered HTTP {status}: {message}. Change the input and try again.");
            }
            throw new RunnerException(502, $"{kind} failed", $"{kind} answered HTTP {status}: {message}.{hint}");
        }
        return json ?? throw new RunnerException(502, $"{kind}'s answer could not be read", $"{kind} answered something that is not JSON: {Shorten(text) ?? "an empty body"}.");
    }

    private UpstreamOptions Upstream(RunnerKind kind) => RunnerInfo.Of(kind).Upstream(options.Value);

    private static string Prefix(RunnerKind kind) => RunnerInfo.Of(kind).Prefix;

    internal static Uri Url(UpstreamOptions upstream, string relative) => new(new Uri(upstream.Url!.TrimEnd('/') + "/"), relative);

    internal static string Describe(UpstreamOptions upstream) => new Uri(upstream.Url!).GetLeftPart(UriPartial.Path);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static string? Shorten(string text)
    {
        text = text.Trim();
        return text.Length == 0 ? null : text.Length <= 300 ? text : text[..300] + "…";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Runner} could not be reached: {Reason}")]
    private partial void LogUnreachable(string runner, string reason);
}
