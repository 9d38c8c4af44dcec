namespace AgentPortal.Dashboard.Hosting;

/// <summary>
/// <c>AgentPortal.Dashboard healthcheck [url]</c>: asks a running portal's <c>GET /health</c> and exits
/// 0 when it answers 200. Container images of ASP.NET Core carry no curl or wget, so the image's
/// HEALTHCHECK runs the portal's own program for this.
/// </summary>
public static class HealthCheckCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080/health";

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "healthcheck";

    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : DefaultUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            await Console.Error.WriteLineAsync($"'{url}' is not an http(s) URL. Usage: AgentPortal.Dashboard healthcheck [{DefaultUrl}]");
            return 2;
        }
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await client.GetAsync(uri);
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }
            await Console.Error.WriteLineAsync($"{uri} answered {(int)response.StatusCode}.");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"{uri} did not answer: {ex.Message}");
            return 1;
        }
    }
}
