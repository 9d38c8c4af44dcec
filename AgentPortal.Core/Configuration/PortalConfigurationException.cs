using System.Text;

namespace AgentPortal.Core.Configuration;

/// <summary>Thrown before anything is created on disk when the configuration cannot work.</summary>
public sealed class PortalConfigurationException(IReadOnlyList<string> problems)
    : Exception(Format(problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>Finds this exception where the host wrapped it.</summary>
    public static PortalConfigurationException? Find(Exception exception) => exception switch
    {
        PortalConfigurationException found => found,
        AggregateException aggregate => aggregate.InnerExceptions.Select(Find).FirstOrDefault(e => e is not null),
        { InnerException: { } inner } => Find(inner),
        _ => null,
    };

    private static string Format(IReadOnlyList<string> problems)
    {
        var text = new StringBuilder();
        text.Append("AgentPortal cannot start: ")
            .Append(problems.Count)
            .Append(problems.Count == 1 ? " configuration problem." : " configuration problems.")
            .AppendLine();
        foreach (var problem in problems)
        {
            text.Append("  - ").AppendLine(problem);
        }
        text.Append("Set values in appsettings.json, as environment variables (shown above), or as command-line arguments such as --Storage:Provider=Sqlite.");
        return text.ToString();
    }
}
