using System.Text;

namespace AgentPortal.Core.Telemetry.ClickHouse;

/// <summary>
/// A set of values sent beside a query as ClickHouse external data (a TabSeparated table the query
/// reads by <see cref="Name"/>), instead of as thousands of literals the server would parse one by
/// one. Fields are escaped by <see cref="ClickHouseSql.AppendTsvField"/>.
/// </summary>
public sealed class ClickHouseExternalTable
{
    private readonly StringBuilder _rows = new();
    private readonly int _columns;

    /// <param name="name">The table's name in the query; checked as an identifier.</param>
    /// <param name="columns">Its columns and types, as in CREATE TABLE ("trace_id String, start Int64"); code, never input.</param>
    public ClickHouseExternalTable(string name, string columns)
    {
        Name = ClickHouseSql.Identifier(name);
        Columns = columns;
        _columns = columns.Split(',').Length;
    }

    public string Name { get; }

    public string Columns { get; }

    public int RowCount { get; private set; }

    /// <summary>Adds a row; one value per column, numbers formatted with <see cref="ClickHouseSql.Int"/>.</summary>
    public void Add(params ReadOnlySpan<string> values)
    {
        if (values.Length != _columns)
        {
            throw new ArgumentException($"The table {Name} has {_columns} columns; a row of {values.Length} values was given.", nameof(values));
        }
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                _rows.Append('\t');
            }
            ClickHouseSql.AppendTsvField(_rows, values[i]);
        }
        _rows.Append('\n');
        RowCount++;
    }

    /// <summary>The rows as ClickHouse reads them (TabSeparated, UTF-8).</summary>
    public byte[] ToTsv() => Encoding.UTF8.GetBytes(_rows.ToString());
}
