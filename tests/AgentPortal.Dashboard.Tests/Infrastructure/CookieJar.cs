using System.Net;
using System.Text.RegularExpressions;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>Carries cookies between requests of a test client that does not follow redirects.</summary>
public sealed partial class CookieJar
{
    private readonly CookieContainer _cookies = new();

    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        var uri = new Uri(client.BaseAddress!, request.RequestUri!);
        var header = _cookies.GetCookieHeader(uri);
        if (header.Length > 0)
        {
            request.Headers.Add("Cookie", header);
        }
        var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var cookie in setCookies)
            {
                _cookies.SetCookies(uri, cookie);
            }
        }
        return response;
    }

    public static string ReadAntiforgeryToken(string html) =>
        AntiforgeryField().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException("The page has no antiforgery token.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
