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
    public void Rows_WriteTabSeparatedValues_WithNullsNumbersAndDays()
    {
        var rows = new ClickHouseRows("trace_id String, parent Nullable(String), tokens Nullable(Int64), cost Float64, day Date");
        rows.String("a\tb").String(null).Int(-5).Float(0.0015).Date(1_763_632_800_000_000_000).EndRow();
        rows.String(@"back\slash").String("p").Int(null).Float(2).Date(0).EndRow();

        Assert.Equal("trace_id, parent, tokens, cost, day", rows.ColumnNames);
        Assert.Equal("a\\tb\t\\N\t-5\t0.0015\t2025-11-20\n" + @"back\\slash" + "\tp\t\\N\t2\t1970-01-01\n", System.Text.Encoding.UTF8.GetString(rows.ToUtf8()));
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public void Rows_RefuseARowOfTheWrongWidth_AndNumbersThatCannotBeStored()
    {
        var rows = new ClickHouseRows("a String, b Int64");

        rows.String("only one");
        Assert.Throws<InvalidOperationException>(rows.EndRow);
        Assert.Throws<InvalidOperationException>(() => rows.ToUtf8());
        rows.Int(1);
        Assert.Throws<InvalidOperationException>(() => rows.Int(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClickHouseRows("c Float64").Float(double.NaN));
        Assert.Throws<ArgumentException>(() => new ClickHouseRows("bad-name String"));
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
