using AgentPortal.Core.Otlp;

namespace AgentPortal.Core.Tests.Otlp;

public class RequesterMetadataTests
{
    [Theory]
    [InlineData("""{"agent_id": "a-1", "parent_trace_id": "abc"}""", "agent_id", "a-1")]
    [InlineData("""{"agent_id": 42}""", "agent_id", "42")]
    [InlineData("{'agent_id': 'a-2', 'user': 'kim'}", "agent_id", "a-2")]
    [InlineData("{'user': 'kim', \"parent_trace_id\": \"0123\"}", "parent_trace_id", "0123")]
    [InlineData("{'user': 'kim'}", "agent_id", null)]
    [InlineData("not metadata at all", "agent_id", null)]
    [InlineData("", "agent_id", null)]
    [InlineData(null, "agent_id", null)]
    public void Find_ReadsJsonOrPythonDictText(string? text, string key, string? expected)
    {
        Assert.Equal(expected, RequesterMetadata.Find(text, key));
    }
}
