using AgentPortal.Dashboard.Components.Controls;

namespace AgentPortal.Dashboard.Tests.Components;

public class AgentFormModelTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    [InlineData("{}")]
    [InlineData("{\"model\": \"gpt-4o\", \"tables\": [\"orders\"]}")]
    public void Config_EmptyOrAnObject_IsAccepted(string? config) => Assert.Null(AgentFormModel.ConfigProblem(config));

    [Theory]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("\"text\"", "must be a JSON object")]
    [InlineData("{\"model\": ", "is not valid JSON")]
    public void Config_OtherwiseSaysWhatToFix(string config, string problem) => Assert.Contains(problem, AgentFormModel.ConfigProblem(config));

    [Fact]
    public void NormalizedConfig_IsCompact_OrNullWhenEmpty()
    {
        Assert.Equal("{\"a\":1}", new AgentFormModel { Config = "{\n  \"a\": 1\n}" }.NormalizedConfig());
        Assert.Null(new AgentFormModel { Config = " " }.NormalizedConfig());
    }
}
