using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>
/// Collects every configuration problem of one section so start-up can report them all at once,
/// each naming the key, its environment-variable form, what is allowed and an example.
/// </summary>
public sealed class ConfigurationProblems
{
    private readonly List<string> _problems = [];

    public bool HasProblems => _problems.Count > 0;

    public IReadOnlyList<string> Items => _problems;

    public void Add(string key, string problem, string allowed, string example)
    {
        _problems.Add(Describe(key, problem, allowed, example));
    }

    public ValidateOptionsResult ToResult() =>
        HasProblems ? ValidateOptionsResult.Fail(_problems) : ValidateOptionsResult.Success;

    public static string Describe(string key, string problem, string allowed, string example) =>
        $"{key} (environment variable {ToEnvironmentVariable(key)}): {problem} Allowed: {allowed}. Example: {ToEnvironmentVariable(key)}={example}";

    /// <summary>The environment-variable form of a configuration key: sections are joined by a double underscore.</summary>
    public static string ToEnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>Describes a value for a message without echoing secrets.</summary>
    public static string Quote(string? value) => value is null ? "not set" : value.Length == 0 ? "empty" : $"'{value}'";
}
