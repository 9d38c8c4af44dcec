using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentPortal.Core.Vanna;

/// <summary>Why a statement is not run: not SQL, more than one statement, or not a read.</summary>
public sealed class SqlRefusedException(string message) : Exception(message);

/// <summary>The rows a query returned, at most the row limit, as text.</summary>
public sealed record SqlRows(IReadOnlyList<string> Columns, IReadOnlyList<string?[]> Rows, bool Truncated, double DurationMilliseconds);

/// <summary>
/// Runs one read-only SELECT on a SQLite database. The statement is judged by SQLite's own parser,
/// not by looking at its text: it is prepared on a connection opened read-only, whose authorizer
/// allows only SELECT, reading tables and calling functions (no PRAGMA, ATTACH, writes or
/// <c>load_extension</c>); anything after the first statement is refused; and the prepared statement
/// must be read-only. Rows beyond the limit are not read, and a query past its time is interrupted.
/// </summary>
public static class SqliteReadOnlyQuery
{
    private const int SqliteRead = 20;
    private const int SqliteSelect = 21;

    public static string Schema(string connectionString)
    {
        using var connection = Open(connectionString, guarded: false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, sql FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__EF%' ORDER BY name";
        var lines = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            lines.Add(reader.IsDBNull(1) ? $"-- {reader.GetString(0)}" : reader.GetString(1) + ";");
        }
        return string.Join("\n", lines);
    }

    /// <summary>Throws <see cref="SqlRefusedException"/> saying why the statement will not be run.</summary>
    public static void Check(string connectionString, string sql)
    {
        using var connection = Open(connectionString, guarded: true);
        Prepare(connection, sql);
    }

    public static async Task<SqlRows> RunAsync(string connectionString, string sql, int rowLimit, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = Open(connectionString, guarded: true);
        Prepare(connection, sql);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var started = Stopwatch.GetTimestamp();
        // A statement busy inside SQLite does not look at the token: SQLite asks this every 10,000 steps
        // whether to go on, and a non-zero answer interrupts it.
        raw.sqlite3_progress_handler(connection.Handle, 10_000, _ => deadline.IsCancellationRequested ? 1 : 0, null);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            await using var reader = await command.ExecuteReaderAsync(deadline.Token);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
            var rows = new List<string?[]>();
            var truncated = false;
            while (await reader.ReadAsync(deadline.Token))
            {
                if (rows.Count == rowLimit)
                {
                    truncated = true;
                    break;
                }
                var row = new string?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture);
                }
                rows.Add(row);
            }
            return new SqlRows(columns, rows, truncated, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SqlRefusedException($"The query ran longer than {timeout.TotalSeconds:0} s (Vanna:QueryTimeout) and was stopped.");
        }
        catch (SqliteException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new SqlRefusedException($"The query ran longer than {timeout.TotalSeconds:0} s (Vanna:QueryTimeout) and was stopped ({ex.Message}).");
        }
        catch (SqliteException ex)
        {
            throw new SqlRefusedException($"SQLite could not run the query: {ex.Message}");
        }
    }

    private static SqliteConnection Open(string connectionString, bool guarded)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        var connection = new SqliteConnection(builder.ConnectionString);
        connection.Open();
        if (guarded)
        {
            raw.sqlite3_set_authorizer(connection.Handle, Authorize, null);
        }
        return connection;
    }

    private static int Authorize(object userData, int action, string param0, string param1, string database, string trigger) => action switch
    {
        SqliteSelect or SqliteRead => raw.SQLITE_OK,
        _ when action == raw.SQLITE_RECURSIVE => raw.SQLITE_OK,
        _ when action == raw.SQLITE_FUNCTION => string.Equals(param1, "load_extension", StringComparison.OrdinalIgnoreCase) ? raw.SQLITE_DENY : raw.SQLITE_OK,
        _ => raw.SQLITE_DENY,
    };

    private static void Prepare(SqliteConnection connection, string sql)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new SqlRefusedException("There is no statement to run.");
        }
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement, out string tail);
        using (statement)
        {
            if (rc != raw.SQLITE_OK)
            {
                var message = raw.sqlite3_errmsg(db).utf8_to_string();
                throw new SqlRefusedException(message.Contains("not authorized", StringComparison.Ordinal)
                    ? "Only a SELECT that reads tables may run: the statement writes, changes settings (PRAGMA) or attaches a database."
                    : $"SQLite cannot read this statement: {message}.");
            }
            if (statement is null || statement.IsInvalid)
            {
                throw new SqlRefusedException("There is no statement to run (only comments).");
            }
            if (HasAnotherStatement(db, tail))
            {
                throw new SqlRefusedException("Only one statement may run; remove what follows the first ';'.");
            }
            if (raw.sqlite3_stmt_readonly(statement) == 0)
            {
                throw new SqlRefusedException("Only a read-only SELECT may run.");
            }
        }
    }

    /// <summary>SQLite's parser says whether anything but white space and comments follows the first statement.</summary>
    private static bool HasAnotherStatement(sqlite3 db, string? tail)
    {
        if (string.IsNullOrWhiteSpace(tail))
        {
            return false;
        }
        var rc = raw.sqlite3_prepare_v2(db, tail, out sqlite3_stmt next, out string _);
        using (next)
        {
            // A tail that does not parse, or that the authorizer refuses, is a second statement all the same.
            return rc != raw.SQLITE_OK || (next is not null && !next.IsInvalid);
        }
    }
}
