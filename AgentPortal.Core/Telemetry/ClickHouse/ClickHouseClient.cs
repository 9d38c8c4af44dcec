using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Configuration;

namespace AgentPortal.Core.Telemetry.ClickHouse;

/// <summary>A failed ClickHouse query: the server's message, never the credentials.</summary>
public sealed class ClickHouseException(string message) : Exception(message);

/// <summary>ClickHouse's HTTP interface: queries in the body, credentials in headers (not the URL, which may be logged).</summary>
public sealed class ClickHouseClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _database;

    public ClickHouseClient(ClickHouseOptions options)
    {
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
        {
            BaseAddress = new Uri(options.Url!.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.Add("X-ClickHouse-User", options.User);
        if (!string.IsNullOrEmpty(options.Password))
        {
            _http.DefaultRequestHeaders.Add("X-ClickHouse-Key", options.Password);
        }
        _database = ClickHouseSql.Identifier(options.Database);
    }

    public string Database => _database;

    /// <summary>Runs a statement in the server's default database (for CREATE DATABASE).</summary>
    public Task ExecuteWithoutDatabaseAsync(string sql, CancellationToken cancellationToken) => SendAsync("", sql, cancellationToken);

    public Task ExecuteAsync(string sql, CancellationToken cancellationToken) => SendAsync(Query(), sql, cancellationToken);

    /// <summary>Inserts rows as TabSeparated; the statement goes in the URL, the rows in the body.</summary>
    public Task InsertAsync(string table, ClickHouseRows rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }
        var content = new ByteArrayContent(rows.ToUtf8());
        content.Headers.ContentType = new MediaTypeHeaderValue("text/tab-separated-values") { CharSet = "utf-8" };
        var statement = $"INSERT INTO {ClickHouseSql.Identifier(table)} ({rows.ColumnNames}) FORMAT TabSeparated";
        return SendAsync(Query() + "&query=" + Uri.EscapeDataString(statement), content, cancellationToken);
    }

    /// <summary>Rows of a SELECT as JSON objects (FORMAT JSONEachRow is appended).</summary>
    public async Task<List<JsonElement>> QueryAsync(string sql, CancellationToken cancellationToken) =>
        ReadRows(await SendAsync(Query() + "&output_format_json_quote_64bit_integers=0", sql + " FORMAT JSONEachRow", cancellationToken));

    /// <summary>
    /// Rows of a SELECT that reads <paramref name="rows"/> as a table named <paramref name="name"/>,
    /// sent beside it as external data: the statement goes in the URL and the rows in a multipart body.
    /// </summary>
    public async Task<List<JsonElement>> QueryAsync(string sql, string name, ClickHouseRows rows, CancellationToken cancellationToken)
    {
        name = ClickHouseSql.Identifier(name);
        var query = Query() + "&output_format_json_quote_64bit_integers=0"
            + "&query=" + Uri.EscapeDataString(sql + " FORMAT JSONEachRow")
            + "&" + name + "_structure=" + Uri.EscapeDataString(rows.Structure);
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(rows.ToUtf8()), name, name + ".tsv");
        return ReadRows(await SendAsync(query, form, cancellationToken));
    }

    public void Dispose() => _http.Dispose();

    private string Query() => "?database=" + Uri.EscapeDataString(_database);

    private static List<JsonElement> ReadRows(string text)
    {
        var rows = new List<JsonElement>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            rows.Add(document.RootElement.Clone());
        }
        return rows;
    }

    private Task<string> SendAsync(string query, string sql, CancellationToken cancellationToken) =>
        SendAsync(query, new StringContent(sql, Encoding.UTF8, "text/plain"), cancellationToken);

    private async Task<string> SendAsync(string query, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, query) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ClickHouseException($"ClickHouse answered {(int)response.StatusCode}: {text.Trim()}");
        }
        return text;
    }
}
