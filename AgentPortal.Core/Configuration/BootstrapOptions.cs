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

        return problems.ToResult();
    }
}
