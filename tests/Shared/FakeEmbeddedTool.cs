using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentPortal.Tests.Shared;

/// <summary>
/// A Langfuse-like web UI on 127.0.0.1 for the embed proxy: a NextAuth credentials sign-in
/// (<c>GET /api/auth/csrf</c>, then <c>POST /api/auth/callback/credentials</c> with email, password and
/// csrfToken, answered with a <c>next-auth.session-token</c> cookie), pages that redirect to
/// <c>/auth/sign-in</c> without a session, <c>X-Frame-Options: DENY</c> and <c>frame-ancestors 'none'</c>
/// on every page, an absolute asset path (<c>/_next/static/app.js</c>), a WebSocket echo at <c>/ws</c>,
/// and <see cref="ExpireSessions"/> to end every session as a restart or timeout would.
/// </summary>
public sealed class FakeEmbeddedTool : IAsyncDisposable
{
    public const string Email = "portal@example.com";
    public const string Password = "service-account-password";
    public const string PublicKey = "pk-lf-test";
    public const string SecretKey = "sk-lf-test-secret";
    private const string SessionCookie = "next-auth.session-token";
    private const string CsrfCookie = "next-auth.csrf-token";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _sessions = new();

    private FakeEmbeddedTool(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public int SignIns;

    /// <summary>The headers of every request the tool received, as it saw them.</summary>
    public ConcurrentQueue<(string Path, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

    public void ExpireSessions() => _sessions.Clear();

    public static async Task<FakeEmbeddedTool> StartAsync()
    {
        var app = LoopbackApp.Create();
        var tool = new FakeEmbeddedTool(app);
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            tool.Received.Enqueue((context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            context.Response.Headers.XFrameOptions = "DENY";
            context.Response.Headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            await next();
        });
        app.MapGet("/api/auth/csrf", (HttpContext context) =>
        {
            context.Response.Cookies.Append(CsrfCookie, "csrf-123", new CookieOptions { HttpOnly = true, Path = "/" });
            return Results.Json(new { csrfToken = "csrf-123" });
        });
        app.MapPost("/api/auth/callback/credentials", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            if (form["csrfToken"] != "csrf-123" || context.Request.Cookies[CsrfCookie] != "csrf-123")
            {
                return Results.Json(new { error = "MissingCSRF" }, statusCode: 403);
            }
            if (form["email"] != Email || form["password"] != Password)
            {
                return Results.Json(new { error = "CredentialsSignin" }, statusCode: 401);
            }
            var session = Guid.NewGuid().ToString("N");
            tool._sessions[session] = true;
            Interlocked.Increment(ref tool.SignIns);
            context.Response.Cookies.Append(SessionCookie, session, new CookieOptions { HttpOnly = true, Path = "/" });
            return Results.Json(new { url = "/" });
        });
        // The page's script and its data both live at absolute paths, as a Next.js app's do.
        app.MapGet("/_next/static/app.js", () => Results.Text(
            "console.log('langfuse app'); window.addEventListener('load', async () => { const r = await fetch('/api/data'); const d = await r.json(); document.getElementById('status').textContent = 'app.js loaded, ' + d.traces + ' traces'; });",
            "text/javascript"));
        app.MapGet("/api/data", (HttpContext context) => tool.Page(context, () => Results.Json(new { traces = 3 })));
        app.MapGet("/", (HttpContext context) => tool.Page(context, () =>
        {
            context.Response.Cookies.Append("ui-pref", "dark", new CookieOptions { Path = "/" });
            return Results.Content("<!DOCTYPE html><html><head><script src=\"/_next/static/app.js\"></script></head><body><h1>Langfuse traces</h1><p id=\"status\">waiting for app.js</p></body></html>", "text/html");
        }));
        app.MapGet("/echo", (HttpContext context) => tool.Page(context, () => Results.Json(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()))));
        app.MapGet("/go", (HttpContext context) => tool.Page(context, () => Results.Redirect("/target")));
        app.MapPost("/api/trpc/traces.delete", (HttpContext context) => tool.Page(context, () => Results.Json(new { deleted = true })));
        app.Map("/ws", async (HttpContext context) =>
        {
            if (!tool.HasSession(context) || !context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            await socket.SendAsync(buffer.AsMemory(0, received.Count), WebSocketMessageType.Text, true, context.RequestAborted);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
        });
        tool.BaseUrl = await LoopbackApp.StartAsync(app);
        return tool;
    }

    private bool HasSession(HttpContext context) =>
        context.Request.Cookies[SessionCookie] is { } session && _sessions.ContainsKey(session);

    // Without a session the tool sends the browser to its own sign-in page, as Langfuse does.
    private IResult Page(HttpContext context, Func<IResult> page) => HasSession(context) ? page() : Results.Redirect("/auth/sign-in?callbackUrl=%2F");

    public static string Describe(IReadOnlyDictionary<string, string> headers) => JsonSerializer.Serialize(headers);

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);
}
