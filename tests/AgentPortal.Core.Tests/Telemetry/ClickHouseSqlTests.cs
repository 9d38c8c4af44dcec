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
    [InlineData("plain", "plain")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("line\nbreak\r", @"line\nbreak\r")]
    [InlineData(@"back\slash", @"back\\slash")]
    [InlineData("nul\0", @"nul\0")]
    [InlineData("it's 한국어", "it's 한국어")]
    public void TsvField_EscapesWhatWouldEndTheFieldOrTheRow(string value, string expected)
    {
        var text = new System.Text.StringBuilder();
        ClickHouseSql.AppendTsvField(text, value);
        Assert.Equal(expected, text.ToString());
    }

    [Fact]
    public void ExternalTable_WritesOneEscapedRowPerAdd_AndRefusesARowOfTheWrongWidth()
    {
        var table = new ClickHouseExternalTable("batch", "start Int64, trace_id String");
        table.Add(ClickHouseSql.Int(-5), "a\tb");
        table.Add("7", "c");

        Assert.Equal("-5\ta\\tb\n7\tc\n", System.Text.Encoding.UTF8.GetString(table.ToTsv()));
        Assert.Equal(2, table.RowCount);
        Assert.Throws<ArgumentException>(() => table.Add("1"));
        Assert.Throws<ArgumentException>(() => new ClickHouseExternalTable("bad name", "x String"));
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
