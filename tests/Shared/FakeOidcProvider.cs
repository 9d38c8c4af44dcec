using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AgentPortal.Tests.Shared;

/// <summary>
/// A small OpenID Connect provider on 127.0.0.1, as the specification describes one: discovery at
/// <c>/.well-known/openid-configuration</c>, keys at <c>/jwks</c>, an authorization endpoint that signs
/// in <see cref="NextUser"/> at once and answers with <c>response_mode=form_post</c>, and a token
/// endpoint that checks the client secret, the redirect URI and the PKCE verifier before it issues an
/// RS256-signed ID token carrying the nonce.
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    public const string ClientId = "agentportal";
    public const string ClientSecret = "oidc-client-secret";

    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new();

    private FakeOidcProvider(Microsoft.AspNetCore.Builder.WebApplication app) => _app = app;

    public string Authority { get; private set; } = "";

    /// <summary>Who signs in at the next authorization request.</summary>
    public (string Subject, string Email, string[] Roles) NextUser { get; set; } = ("user-1", "sso.user@example.com", ["portal-operators"]);

    public int TokensIssued;

    private sealed record Grant(string ClientId, string RedirectUri, string? Nonce, string? Challenge, (string Subject, string Email, string[] Roles) User);

    public static async Task<FakeOidcProvider> StartAsync()
    {
        var app = LoopbackApp.Create();
        var provider = new FakeOidcProvider(app);
        var key = new RsaSecurityKey(provider._rsa) { KeyId = "test-key-1" };

        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Authority,
            ["authorization_endpoint"] = provider.Authority + "/authorize",
            ["token_endpoint"] = provider.Authority + "/token",
            ["jwks_uri"] = provider.Authority + "/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["response_modes_supported"] = new[] { "query", "form_post" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["scopes_supported"] = new[] { "openid", "profile", "email" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(key);
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, alg = "RS256", n = jwk.N, e = jwk.E } } });
        });
        app.MapGet("/authorize", (HttpRequest request) =>
        {
            var query = request.Query;
            if (query["client_id"] != ClientId || query["response_type"] != "code" || !query["scope"].ToString().Split(' ').Contains("openid"))
            {
                return Results.BadRequest("invalid_request");
            }
            var code = Guid.NewGuid().ToString("N");
            provider._codes[code] = new Grant(ClientId, query["redirect_uri"]!, query["nonce"], query["code_challenge"], provider.NextUser);
            var redirect = System.Net.WebUtility.HtmlEncode(query["redirect_uri"]);
            var state = System.Net.WebUtility.HtmlEncode(query["state"]);
            return Results.Content($"""
                <html><body onload="document.forms[0].submit()">
                <form method="post" action="{redirect}"><input type="hidden" name="code" value="{code}" /><input type="hidden" name="state" value="{state}" /></form>
                </body></html>
                """, "text/html");
        });
        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var (clientId, secret) = ClientCredentials(request, form);
            if (clientId != ClientId || secret != ClientSecret)
            {
                return Results.Json(new { error = "invalid_client" }, statusCode: 401);
            }
            if (form["grant_type"] != "authorization_code" || !provider._codes.TryRemove(form["code"].ToString(), out var grant) || grant.RedirectUri != form["redirect_uri"])
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }
            var verifier = form["code_verifier"].ToString();
            if (grant.Challenge is null || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
            {
                return Results.Json(new { error = "invalid_grant", error_description = "PKCE verification failed" }, statusCode: 400);
            }
            var now = DateTime.UtcNow;
            var claims = new Dictionary<string, object> { ["sub"] = grant.User.Subject, ["email"] = grant.User.Email, ["roles"] = grant.User.Roles };
            if (grant.Nonce is not null)
            {
                claims["nonce"] = grant.Nonce;
            }
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = provider.Authority,
                Audience = ClientId,
                Claims = claims,
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddMinutes(5),
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            });
            Interlocked.Increment(ref provider.TokensIssued);
            return Results.Json(new { access_token = Guid.NewGuid().ToString("N"), token_type = "Bearer", expires_in = 300, id_token = idToken });
        });
        provider.Authority = (await LoopbackApp.StartAsync(app)).TrimEnd('/');
        return provider;
    }

    private static (string? ClientId, string? Secret) ClientCredentials(HttpRequest request, IFormCollection form)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])).Split(':', 2);
            return (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        return (form["client_id"], form["client_secret"]);
    }

    public async ValueTask DisposeAsync()
    {
        await LoopbackApp.StopAsync(_app);
        _rsa.Dispose();
    }
}
