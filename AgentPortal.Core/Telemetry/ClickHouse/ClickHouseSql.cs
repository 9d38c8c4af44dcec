using System.Globalization;
using System.Text;

namespace AgentPortal.Core.Telemetry.ClickHouse;

/// <summary>
/// The one place values become ClickHouse SQL text. ClickHouse 18.16 (Debian's) has no server-side
/// query parameters, so every value in a query goes through <see cref="String"/> or a numeric
/// formatter here; inserted rows and lookup sets travel as TabSeparated (<see cref="ClickHouseRows"/>),
/// each text value escaped by <see cref="AppendTsvField"/>.
/// </summary>
public static class ClickHouseSql
{
    /// <summary>A string literal: backslash and quote escaped, control characters as escapes.</summary>
    public static string String(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('\'');
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\'': text.Append(@"\'"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                case '\0': text.Append(@"\0"); break;
                case '\b': text.Append(@"\b"); break;
                case '\f': text.Append(@"\f"); break;
                default:
                    if (char.IsControl(c))
                    {
                        text.Append(@"\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }
                    break;
            }
        }
        return text.Append('\'').ToString();
    }

    /// <summary>
    /// One TabSeparated field: the characters that would end the field or the row (tab, line breaks)
    /// and the escape character itself are written as ClickHouse's escapes; everything else as is.
    /// </summary>
    public static void AppendTsvField(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\t': text.Append(@"\t"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\0': text.Append(@"\0"); break;
                default: text.Append(c); break;
            }
        }
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A list for IN (...): each element a string literal.</summary>
    public static string StringList(IEnumerable<string> values) => "(" + string.Join(", ", values.Select(String)) + ")";

    /// <summary>Letters, digits and underscores, starting with a letter or underscore, at most 128 characters.</summary>
    public static bool IsIdentifier(string? name) =>
        name is { Length: > 0 and <= 128 } && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Database and table names are configuration, not input, but are still checked, never escaped into shape.</summary>
    public static string Identifier(string name)
    {
        if (!IsIdentifier(name))
        {
            throw new ArgumentException($"'{name}' is not a ClickHouse identifier: use letters, digits and underscores, starting with a letter.", nameof(name));
        }
        return name;
    }
}
