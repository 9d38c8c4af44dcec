using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Core.Tests.Configuration;

public class StartupConfigurationCheckTests
{
    private static ServiceProvider BuildServices(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddPortalCore(Path.GetTempPath());
        return services.BuildServiceProvider();
    }

    [Fact]
    public void EmptyConfiguration_Passes()
    {
        using var services = BuildServices([]);

        services.GetRequiredService<StartupConfigurationCheck>().ThrowIfInvalid(services);
    }

    [Fact]
    public void ProblemsInSeveralSections_AreReportedTogetherInOneMessage()
    {
        using var services = BuildServices(new()
        {
            ["Storage:Provider"] = "Oracle",
            ["Telemetry:Provider"] = "Clickhose",
            ["Bootstrap:AdminEmail"] = "nobody",
        });

        var ex = Assert.Throws<PortalConfigurationException>(() => services.GetRequiredService<StartupConfigurationCheck>().ThrowIfInvalid(services));

        Assert.Equal(3, ex.Problems.Count);
        Assert.StartsWith("AgentPortal cannot start: 3 configuration problems.", ex.Message);
        Assert.Contains("Storage__Provider", ex.Message);
        Assert.Contains("Telemetry__Provider", ex.Message);
        Assert.Contains("Bootstrap__AdminEmail", ex.Message);
    }

    [Fact]
    public void ValueThatCannotBeBound_IsReportedByKeyWithoutItsValue()
    {
        var check = new StartupConfigurationCheck().Include<TypedOptions>();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Typed:Limit"] = "secret-ish-value" }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddOptions<TypedOptions>().BindConfiguration("Typed");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<PortalConfigurationException>(() => check.ThrowIfInvalid(provider));

        var problem = Assert.Single(ex.Problems);
        Assert.Contains("'Typed:Limit'", problem);
        Assert.DoesNotContain("secret-ish-value", problem);
    }

    [Fact]
    public void Find_UnwrapsHostAggregates()
    {
        var inner = new PortalConfigurationException(["x"]);

        Assert.Same(inner, PortalConfigurationException.Find(new AggregateException(new InvalidOperationException("other"), inner)));
        Assert.Same(inner, PortalConfigurationException.Find(new InvalidOperationException("wrapped", inner)));
        Assert.Null(PortalConfigurationException.Find(new InvalidOperationException("unrelated")));
    }

    public sealed class TypedOptions
    {
        public int Limit { get; set; }
    }
}
