using AgentPortal.Core.Telemetry.ClickHouse;

namespace AgentPortal.Core.Tests.Telemetry;

public class ClickHouseSqlTests
{
    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", @"'it\'s'")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData(@"\'", @"'\\\''")]
    [InlineData("line\nbreak\ttab\r", @"'line\nbreak\ttab\r'")]
    [InlineData("nul\0", @"'nul\0'")]
    [InlineData("bell\u0007", @"'bell\x07'")]
    [InlineData("ünïcødé 한국어", "'ünïcødé 한국어'")]
    public void String_EscapesEverythingThatCouldEndTheLiteral(string value, string expected)
    {
        Assert.Equal(expected, ClickHouseSql.String(value));
    }

    [Fact]
    public void StringList_QuotesEachValue()
    {
        Assert.Equal(@"('a', 'b\'c')", ClickHouseSql.StringList(["a", "b'c"]));
    }

    [Theory]
    [InlineData("otel_traces")]
    [InlineData("_private")]
    [InlineData("db2")]
    public void Identifier_AcceptsPlainNames(string name) => Assert.Equal(name, ClickHouseSql.Identifier(name));

    [Theory]
    [InlineData("")]
    [InlineData("1table")]
    [InlineData("spans; DROP TABLE runs")]
    [InlineData("a-b")]
    [InlineData("`quoted`")]
    public void Identifier_RejectsAnythingElse(string name) => Assert.Throws<ArgumentException>(() => ClickHouseSql.Identifier(name));
}
