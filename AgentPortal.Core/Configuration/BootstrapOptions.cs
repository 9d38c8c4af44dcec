using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>The first administrator, created once when no user exists yet.</summary>
public sealed class BootstrapOptions
{
    public const string SectionName = "Bootstrap";

    public const int MinimumPasswordLength = 12;

    public string AdminEmail { get; set; } = "admin@agentportal.local";

    /// <summary>When not set, a password is generated and printed once to the console.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>An API key (ingest and read scopes) made sure to exist at start, for compose files and CI.</summary>
    public string? IngestApiKey { get; set; }

    public string IngestApiKeyProject { get; set; } = Agents.Agent.DefaultProject;
}

public sealed class ValidateBootstrapOptions : IValidateOptions<BootstrapOptions>
{
    public ValidateOptionsResult Validate(string? name, BootstrapOptions options)
    {
        var problems = new ConfigurationProblems();

        if (!MailAddress.TryCreate(options.AdminEmail, out var address) || address.Address != options.AdminEmail)
        {
            problems.Add("Bootstrap:AdminEmail", $"{ConfigurationProblems.Quote(options.AdminEmail)} is not an email address.", "an email address", "admin@example.com");
        }

        // The password itself is never echoed back.
        if (options.AdminPassword is not null && options.AdminPassword.Length < BootstrapOptions.MinimumPasswordLength)
        {
            problems.Add("Bootstrap:AdminPassword", $"is shorter than {BootstrapOptions.MinimumPasswordLength} characters.",
                $"at least {BootstrapOptions.MinimumPasswordLength} characters, or leave it unset to have one generated", "correct-horse-battery-staple");
        }

        if (options.IngestApiKey is { } key && (!key.StartsWith(Security.ApiKeyService.KeyPrefix, StringComparison.Ordinal) || key.Length is < 24 or > 200 || key.Any(char.IsWhiteSpace)))
        {
            problems.Add("Bootstrap:IngestApiKey", $"must start with '{Security.ApiKeyService.KeyPrefix}' and be 24 to 200 characters without spaces.",
                $"'{Security.ApiKeyService.KeyPrefix}' followed by at least 21 random letters or digits", "ap_" + "0123456789abcdefghijKLMNOPQRST");
        }
        if (string.IsNullOrWhiteSpace(options.IngestApiKeyProject) || options.IngestApiKeyProject.Length > 255)
        {
            problems.Add("Bootstrap:IngestApiKeyProject", "must name a project (1 to 255 characters).", "a project id", Agents.Agent.DefaultProject);
        }

        return problems.ToResult();
    }
}
