using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentPortal.Tests.Shared;

/// <summary>
/// Langflow's and Flowise's run APIs on 127.0.0.1, as their documentation describes them. Langflow:
/// <c>GET /health</c>, <c>POST /api/v1/run/{flow_id}</c> with <c>x-api-key</c>, answering
/// <c>outputs[0].outputs[0].results.message.text</c>, errors as FastAPI's <c>{"detail": …}</c>. Flowise:
/// <c>GET /api/v1/ping</c>, <c>POST /api/v1/prediction/{chatflow_id}</c> with a Bearer key, answering
/// <c>{"text": …}</c>, errors as <c>{"statusCode", "success": false, "message"}</c>. AutoGen Studio's
/// team server: <c>GET /predict/{task}</c> answering <c>{"status", "message", "data": {"task_result"}}</c>. The flow
/// <c>failing-flow</c> fails and <c>slow-flow</c> takes five seconds.
/// </summary>
public sealed class FakeRunners : IAsyncDisposable
{
    public const string LangflowKey = "sk-langflow-test";
    public const string FlowiseKey = "flowise-test-key";

    private readonly WebApplication _app;

    private FakeRunners(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<(string Path, JsonObject Body)> Received { get; } = new();

    public static async Task<FakeRunners> StartAsync()
    {
        var app = LoopbackApp.Create();
        var runners = new FakeRunners(app);
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/api/v1/ping", () => Results.Text("pong"));
        app.MapPost("/api/v1/run/{flowId}", async (string flowId, HttpRequest request) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            runners.Received.Enqueue((request.Path, body));
            if (request.Headers["x-api-key"] != LangflowKey)
            {
                return Results.Json(new { detail = "An API key must be passed as query or header" }, statusCode: 403);
            }
            switch (flowId)
            {
                case "failing-flow":
                    return Results.Json(new { detail = "Error running graph: Error building Component OpenAI Model: rate limit exceeded" }, statusCode: 500);
                case "slow-flow":
                    await Task.Delay(TimeSpan.FromSeconds(5), request.HttpContext.RequestAborted);
                    break;
                case "unknown-flow":
                    return Results.Json(new { detail = $"Flow identifier {flowId} not found" }, statusCode: 404);
            }
            var text = "Langflow says: " + body["input_value"]!.GetValue<string>();
            return Results.Json(new
            {
                session_id = body["session_id"]?.GetValue<string>(),
                outputs = new[]
                {
                    new
                    {
                        inputs = new { input_value = body["input_value"]!.GetValue<string>() },
                        outputs = new[]
                        {
                            new
                            {
                                results = new { message = new { text, sender = "Machine", sender_name = "AI" } },
                                artifacts = new { message = text, sender = "Machine" },
                                outputs = new { message = new { message = text, type = "text" } },
                            },
                        },
                    },
                },
            });
        });
        app.MapPost("/api/v1/prediction/{chatflowId}", async (string chatflowId, HttpRequest request) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(request.Body))!;
            runners.Received.Enqueue((request.Path, body));
            if (request.Headers.Authorization != "Bearer " + FlowiseKey)
            {
                return Results.Json(new { statusCode = 401, success = false, message = "Unauthorized Access", stack = new { } }, statusCode: 401);
            }
            if (chatflowId == "failing-flow")
            {
                return Results.Json(new { statusCode = 500, success = false, message = "Error: predictionsServices.buildChatflow - 429 Rate limit reached", stack = new { } }, statusCode: 500);
            }
            var question = body["question"]!.GetValue<string>();
            return Results.Json(new
            {
                text = "Flowise says: " + question,
                question,
                chatId = "chat-1",
                chatMessageId = "message-1",
                sessionId = body["overrideConfig"]?["sessionId"]?.GetValue<string>(),
            });
        });
        // A team served by `autogenstudio serve --team team.json`: FastAPI, so /docs answers.
        app.MapGet("/docs", () => Results.Text("<html>Swagger UI</html>", "text/html"));
        app.MapGet("/predict/{task}", (string task) => task.Contains("fail", StringComparison.Ordinal)
            ? Results.Json(new { message = "Error code: 401 - Incorrect API key provided for the model client", status = false, data = (object?)null })
            : Results.Json(new
            {
                message = "Task successfully completed",
                status = true,
                data = new
                {
                    task_result = new
                    {
                        messages = new object[]
                        {
                            new { source = "user", content = task, type = "TextMessage" },
                            new { source = "assistant_agent", content = "AutoGen team says: " + task + " TERMINATE", type = "TextMessage", models_usage = new { prompt_tokens = 10, completion_tokens = 5 } },
                        },
                        stop_reason = "Text 'TERMINATE' mentioned",
                    },
                    usage = "",
                    duration = 1.2,
                },
            }));
        runners.BaseUrl = await LoopbackApp.StartAsync(app);
        return runners;
    }

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);
}
