using System.Net;
using System.Text.Json;

namespace AgentPortal.Dashboard.Embeds;

/// <summary>
/// The upstream UI sessions the portal holds for its embedded tools: it signs in with the tool's
/// configured service account (the NextAuth credentials flow Langfuse uses), keeps the session
/// cookies here on the server, and signs in again when they expire or the tool answers 401. The
/// browser never sees the tool's cookies or the service account's credentials.
/// </summary>
public sealed partial class EmbedSessions(IHttpClientFactory clients, TimeProvider time, ILogger<EmbedSessions> logger)
{
    public const string SignInClient = "agentportal-embed-signin";

    private readonly Dictionary<string, Session> _sessions = [];
    private readonly Lock _lock = new();

    /// <summary>The Cookie header to send upstream for the tool, or null when it needs no session.</summary>
    public async Task<string?> CookieHeaderAsync(EmbeddedTool tool, CancellationToken cancellationToken)
    {
        if (!tool.Target.SignsIn || tool.Upstream is not { } upstream)
        {
            return null;
        }
        var session = SessionOf(tool);
        if (!session.IsValid(time.GetUtcNow()))
        {
            await SignInAsync(tool, session, session.Generation, cancellationToken);
        }
        var header = session.Cookies.GetCookieHeader(upstream);
        return header.Length == 0 ? null : header;
    }

    /// <summary>The tool refused the session (401, or sent the browser to its sign-in page): sign in again once.</summary>
    public async Task<bool> RenewAsync(EmbeddedTool tool, int seenGeneration, CancellationToken cancellationToken)
    {
        if (!tool.Target.SignsIn)
        {
            return false;
        }
        await SignInAsync(tool, SessionOf(tool), seenGeneration, cancellationToken);
        return true;
    }

    public int Generation(EmbeddedTool tool) => tool.Target.SignsIn ? SessionOf(tool).Generation : 0;

    /// <summary>Cookies the tool sets on a proxied response belong to the server-side session, not the browser.</summary>
    public void Absorb(EmbeddedTool tool, IEnumerable<string> setCookies)
    {
        if (tool.Upstream is not { } upstream)
        {
            return;
        }
        var session = SessionOf(tool);
        foreach (var cookie in setCookies)
        {
            try
            {
                session.Cookies.SetCookies(upstream, cookie);
            }
            catch (CookieException)
            {
                // A cookie the container cannot parse is dropped, as a browser would.
            }
        }
    }

    private Session SessionOf(EmbeddedTool tool)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(tool.Key, out var session))
            {
                session = new Session();
                _sessions[tool.Key] = session;
            }
            return session;
        }
    }

    private async Task SignInAsync(EmbeddedTool tool, Session session, int seenGeneration, CancellationToken cancellationToken)
    {
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (session.Generation != seenGeneration && session.IsValid(time.GetUtcNow()))
            {
                // Another request signed in while this one waited.
                return;
            }
            var upstream = tool.Upstream!;
            var cookies = new CookieContainer();
            var client = clients.CreateClient(SignInClient);
            var csrf = await SendAsync(client, cookies, new HttpRequestMessage(HttpMethod.Get, new Uri(upstream, tool.Target.SignInCsrfPath.TrimStart('/'))), cancellationToken);
            string? token = null;
            if (csrf.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await csrf.Content.ReadAsStringAsync(cancellationToken));
                token = json.RootElement.TryGetProperty("csrfToken", out var value) ? value.GetString() : null;
            }
            var form = new Dictionary<string, string>
            {
                ["email"] = tool.Target.ServiceAccountEmail!,
                ["password"] = tool.Target.ServiceAccountPassword!,
                ["json"] = "true",
            };
            if (token is not null)
            {
                form["csrfToken"] = token;
            }
            var signIn = await SendAsync(client, cookies, new HttpRequestMessage(HttpMethod.Post, new Uri(upstream, tool.Target.SignInPath.TrimStart('/')))
            {
                Content = new FormUrlEncodedContent(form),
            }, cancellationToken);
            var status = (int)signIn.StatusCode;
            var received = cookies.GetCookies(upstream);
            if (status >= 400 || received.Count == 0)
            {
                LogSignInFailed(tool.Name, status);
                throw new EmbedSignInException($"{tool.Name} refused the service account {tool.Target.ServiceAccountEmail} (HTTP {status}). Check {tool.Section}:ServiceAccountEmail and {tool.Section}:ServiceAccountPassword.");
            }
            var expires = received.Where(c => c.Expires != DateTime.MinValue).Select(c => (DateTimeOffset?)new DateTimeOffset(c.Expires.ToUniversalTime(), TimeSpan.Zero)).Min();
            session.Replace(cookies, expires);
            LogSignedIn(tool.Name, session.Generation);
        }
        catch (HttpRequestException ex)
        {
            throw new EmbedSignInException($"{tool.Name} at {tool.Upstream} could not be reached to sign in: {ex.Message}");
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, CookieContainer cookies, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var header = cookies.GetCookieHeader(request.RequestUri!);
        if (header.Length > 0)
        {
            request.Headers.Add("Cookie", header);
        }
        var response = await client.SendAsync(request, cancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var cookie in setCookies)
            {
                cookies.SetCookies(request.RequestUri!, cookie);
            }
        }
        return response;
    }

    private sealed class Session
    {
        private DateTimeOffset? _expires;
        private bool _signedIn;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public CookieContainer Cookies { get; private set; } = new();

        public int Generation { get; private set; }

        // Renewed a little before the upstream's own expiry, so a request never carries a cookie that dies on the way.
        public bool IsValid(DateTimeOffset now) => _signedIn && (_expires is null || _expires.Value - TimeSpan.FromSeconds(5) > now);

        public void Replace(CookieContainer cookies, DateTimeOffset? expires)
        {
            Cookies = cookies;
            _expires = expires;
            _signedIn = true;
            Generation++;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed in to {Tool} with its service account (session {Generation})")]
    private partial void LogSignedIn(string tool, int generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Tool} refused the service account's sign-in with HTTP {Status}")]
    private partial void LogSignInFailed(string tool, int status);
}

/// <summary>The portal could not sign in to an embedded tool; the message says which settings to check.</summary>
public sealed class EmbedSignInException(string message) : Exception(message);
