using System.Diagnostics;

namespace AgentPortal.Tests.Shared;

/// <summary>
/// A real clickhouse-server from Debian's packages (18.16), started on 127.0.0.1 with its own
/// config, data folder and password for the tests, and stopped after.
/// </summary>
public sealed class ClickHouseServer : IAsyncDisposable
{
    public const string User = "default";
    public const string Password = "agentportal-test";
    private const string Binary = "/usr/sbin/clickhouse-server";

    private readonly string _folder;
    private Process _process = null!;

    private ClickHouseServer(string folder, int httpPort)
    {
        _folder = folder;
        Url = $"http://127.0.0.1:{httpPort}";
    }

    public string Url { get; }

    /// <summary>The settings that point a portal process at this server for its telemetry, as environment variables.</summary>
    public IReadOnlyDictionary<string, string> PortalEnvironment(string? database = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Telemetry__Provider"] = "ClickHouse",
            ["Telemetry__ClickHouse__Url"] = Url,
            ["Telemetry__ClickHouse__User"] = User,
            ["Telemetry__ClickHouse__Password"] = Password,
        };
        if (database is not null)
        {
            settings["Telemetry__ClickHouse__Database"] = database;
        }
        return settings;
    }

    public static async Task<ClickHouseServer> StartAsync()
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException("clickhouse-server is not installed, so the ClickHouse tests cannot run. Install it with: sudo apt-get install -y clickhouse-server (./test.sh does this).");
        }
        var folder = Path.Combine(Path.GetTempPath(), "agentportal-ch-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var httpPort = LoopbackPort.Free();
        var tcpPort = LoopbackPort.Free();
        await File.WriteAllTextAsync(Path.Combine(folder, "config.xml"), $"""
            <?xml version="1.0"?>
            <yandex>
              <logger><level>warning</level><log>{folder}/server.log</log><errorlog>{folder}/error.log</errorlog><console>0</console></logger>
              <http_port>{httpPort}</http_port>
              <tcp_port>{tcpPort}</tcp_port>
              <listen_host>127.0.0.1</listen_host>
              <path>{folder}/data/</path>
              <tmp_path>{folder}/tmp/</tmp_path>
              <user_files_path>{folder}/user_files/</user_files_path>
              <format_schema_path>{folder}/format_schemas/</format_schema_path>
              <users_config>{folder}/users.xml</users_config>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
              <mark_cache_size>268435456</mark_cache_size>
              <max_concurrent_queries>200</max_concurrent_queries>
            </yandex>
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "users.xml"), $"""
            <?xml version="1.0"?>
            <yandex>
              <profiles><default><max_memory_usage>4000000000</max_memory_usage><max_query_size>16777216</max_query_size></default></profiles>
              <users><{User}><password>{Password}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></{User}></users>
              <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """);

        var server = new ClickHouseServer(folder, httpPort);
        try
        {
            await server.LaunchAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>Kills the server (as a crash would) and keeps its data, for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the server again on the same port and data after <see cref="StopAsync"/>.</summary>
    public Task StartAgainAsync()
    {
        _process.Dispose();
        return LaunchAsync();
    }

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        start.ArgumentList.Add($"--config-file={_folder}/config.xml");
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 150; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"clickhouse-server exited with {_process.ExitCode}: {ReadLog(_folder)}");
            }
            try
            {
                if ((await http.GetAsync(Url + "/ping")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }
            await Task.Delay(200);
        }
        throw new InvalidOperationException("clickhouse-server did not answer within 30 s: " + ReadLog(_folder));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder.
        }
    }

    private static string ReadLog(string folder)
    {
        var log = Path.Combine(folder, "error.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }
}
