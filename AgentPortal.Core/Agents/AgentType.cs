namespace AgentPortal.Core.Agents;

/// <summary>The stacks agents are built on; stored and sent in lower case.</summary>
public enum AgentType
{
    Vanna,
    Langflow,
    Flowise,
    Autogen,
    Custom,
}

public enum AgentStatus
{
    Active,
    Inactive,
}

public static class AgentEnums
{
    public static string ToWire(this AgentType type) => type.ToString().ToLowerInvariant();

    public static string ToWire(this AgentStatus status) => status.ToString().ToLowerInvariant();

    public static string AllowedTypes { get; } = string.Join(", ", Enum.GetValues<AgentType>().Select(t => t.ToWire()));

    public static string AllowedStatuses { get; } = string.Join(", ", Enum.GetValues<AgentStatus>().Select(s => s.ToWire()));

    /// <summary>Parses the lower-case wire name only: "Vanna" and "1" are not agent types.</summary>
    public static bool TryParseType(string? value, out AgentType type)
    {
        foreach (var candidate in Enum.GetValues<AgentType>())
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.Ordinal))
            {
                type = candidate;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static bool TryParseStatus(string? value, out AgentStatus status)
    {
        foreach (var candidate in Enum.GetValues<AgentStatus>())
        {
            if (string.Equals(candidate.ToWire(), value, StringComparison.Ordinal))
            {
                status = candidate;
                return true;
            }
        }
        status = default;
        return false;
    }
}
