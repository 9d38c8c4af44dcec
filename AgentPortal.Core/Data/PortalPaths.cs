namespace AgentPortal.Core.Data;

/// <summary>Files of the embedded (single-machine) setup, all under one data folder.</summary>
public sealed class PortalPaths(string dataDirectory)
{
    public string DataDirectory { get; } = dataDirectory;

    public string RegistryDatabase => Path.Combine(DataDirectory, "portal.db");

    public string RegistryConnectionString => $"Data Source={RegistryDatabase};Foreign Keys=True";

    public string TelemetryDatabase => Path.Combine(DataDirectory, "telemetry.db");

    public string DataProtectionKeys => Path.Combine(DataDirectory, "keys");

    public void EnsureDataDirectory() => Directory.CreateDirectory(DataDirectory);
}
