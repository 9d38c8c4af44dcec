using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using AgentPortal.Core.Security;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>
/// <c>AgentPortal.Dashboard apikey create|list|revoke</c>: manages machine keys against the configured
/// store without starting the web server. <c>create</c> prints the new key alone on its last line.
/// </summary>
public static class ApiKeyCommand
{
    public const string Usage = """
        Usage:
          AgentPortal.Dashboard apikey create --project <project> --scopes ingest,read[,chat] [--name <label>] [--expires-days <days>]
          AgentPortal.Dashboard apikey list
          AgentPortal.Dashboard apikey revoke <key id>
        Configuration (data folder, provider) is read as when the portal runs, e.g. --Storage:DataDirectory=/var/lib/agentportal.
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "apikey";

    public static async Task<int> RunAsync(string[] args)
    {
        var (verb, options, positional, configuration) = Parse(args[1..]);
        if (verb is null || verb is not ("create" or "list" or "revoke"))
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        await using var app = CommandHost.Build(configuration);
        app.Services.GetRequiredService<PortalPaths>().EnsureDataDirectory();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PortalDatabaseInitializer>().MigrateAsync(CancellationToken.None);
        }
        var keys = app.Services.GetRequiredService<ApiKeyService>();

        try
        {
            switch (verb)
            {
                case "create":
                    if (!options.TryGetValue("project", out var project) || !options.TryGetValue("scopes", out var scopeText))
                    {
                        await Console.Error.WriteLineAsync("apikey create needs --project and --scopes.\n" + Usage);
                        return 2;
                    }
                    if (!ApiKeyScopeNames.TryParse(scopeText, out var scopes))
                    {
                        await Console.Error.WriteLineAsync($"--scopes '{scopeText}' is not valid; use a comma-separated list of: {ApiKeyScopeNames.Allowed}.");
                        return 2;
                    }
                    DateTimeOffset? expires = null;
                    if (options.TryGetValue("expires-days", out var daysText))
                    {
                        if (!int.TryParse(daysText, System.Globalization.CultureInfo.InvariantCulture, out var days) || days < 1)
                        {
                            await Console.Error.WriteLineAsync($"--expires-days '{daysText}' is not a whole number of days of at least 1; leave it out for a key that lasts until revoked.");
                            return 2;
                        }
                        expires = DateTimeOffset.UtcNow.AddDays(days);
                    }
                    var created = await keys.CreateAsync(new ApiKeyRequest(project, scopes, options.GetValueOrDefault("name"), expires), Core.Audit.AuditActor.Cli, CancellationToken.None);
                    Console.WriteLine($"Created API key {created.Key.Id} for project '{created.Key.ProjectId}' with scopes {ApiKeyScopeNames.Format(scopes)}.");
                    Console.WriteLine("It is shown only now; store it in your agent's secrets. The key:");
                    Console.WriteLine(created.Secret);
                    return 0;
                case "list":
                    foreach (var key in await keys.ListAsync(CancellationToken.None))
                    {
                        Console.WriteLine($"{key.Id}  {key.Prefix}…  project={key.ProjectId}  scopes={ApiKeyScopeNames.Format(key.Scopes)}  created={key.CreatedAt:u}{(key.ExpiresAt is { } expiry ? $"  expires={expiry:u}" : "")}{(key.LastUsedAt is { } used ? $"  last-used={used:u}" : "")}{(key.RevokedAt is { } revoked ? $"  revoked={revoked:u}" : "")}");
                    }
                    return 0;
                default:
                    if (positional.Count != 1)
                    {
                        await Console.Error.WriteLineAsync("apikey revoke needs the key id (see apikey list).");
                        return 2;
                    }
                    await keys.RevokeAsync(positional[0], Core.Audit.AuditActor.Cli, CancellationToken.None);
                    Console.WriteLine($"Revoked API key {positional[0]}.");
                    return 0;
            }
        }
        catch (Exception ex) when (ex is ValidationFailedException or NotFoundException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
    }

    internal static (string? Verb, Dictionary<string, string> Options, List<string> Positional, string[] Configuration) Parse(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var positional = new List<string>();
        var configuration = new List<string>();
        string? verb = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal))
            {
                configuration.Add(arg);
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                options[arg[2..]] = args[++i];
            }
            else if (verb is null)
            {
                verb = arg;
            }
            else
            {
                positional.Add(arg);
            }
        }
        return (verb, options, positional, [.. configuration]);
    }
}
