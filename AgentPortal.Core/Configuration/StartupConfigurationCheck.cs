using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>
/// Reads every registered options section once, before anything touches the disk, and turns all
/// validation and binding failures into one <see cref="PortalConfigurationException"/>.
/// </summary>
public sealed class StartupConfigurationCheck
{
    private readonly List<Action<IServiceProvider>> _readers = [];

    public StartupConfigurationCheck Include<TOptions>() where TOptions : class
    {
        _readers.Add(services => _ = services.GetRequiredService<IOptions<TOptions>>().Value);
        return this;
    }

    public void ThrowIfInvalid(IServiceProvider services)
    {
        var problems = new List<string>();
        foreach (var read in _readers)
        {
            try
            {
                read(services);
            }
            catch (OptionsValidationException ex)
            {
                problems.AddRange(ex.Failures);
            }
            catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
            {
                // The binder's message names the key and target type; the value is left out in case it is a secret.
                problems.Add(ex.Message.Replace(ex.Message[..ex.Message.IndexOf(" at '", StringComparison.Ordinal)], "Failed to convert the configuration value", StringComparison.Ordinal));
            }
        }

        if (problems.Count > 0)
        {
            throw new PortalConfigurationException(problems);
        }
    }
}
