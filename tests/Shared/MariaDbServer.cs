using System.Diagnostics;
using System.Net.Sockets;

namespace AgentPortal.Tests.Shared;

/// <summary>
/// A real MariaDB server from Debian's packages (mariadb-server), started on 127.0.0.1 in a
/// throw-away folder with utf8mb4 for the tests and stopped after. As root it runs as the 'mysql'
/// user the package creates; root connects over TCP with no password (a test-only data folder).
/// </summary>
public sealed class MariaDbServer : IAsyncDisposable
{
    private const string Daemon = "/usr/sbin/mariadbd";
    private readonly string _folder;
    private readonly Process _process;

    private MariaDbServer(string folder, int port, Process process)
    {
        _folder = folder;
        Port = port;
        _process = process;
    }

    public int Port { get; }

    public string ConnectionString(string database) => $"Server=127.0.0.1;Port={Port};User=root;Database={database};SslMode=Disabled;AllowPublicKeyRetrieval=true";

    public static async Task<MariaDbServer> StartAsync()
    {
        if (!File.Exists(Daemon))
        {
            throw new InvalidOperationException("mariadb-server is not installed, so the MariaDB tests cannot run. Install it with: sudo apt-get install -y mariadb-server (./test.sh does this).");
        }
        var folder = Path.Combine(Path.GetTempPath(), "agentportal-maria-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(data);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "mysql:mysql", folder]);
        }
        await RunAsync("/usr/bin/mariadb-install-db", [$"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db", .. asRoot ? new[] { "--user=mysql" } : [], "--skip-name-resolve"]);
        var port = LoopbackPort.Free();
        var start = new ProcessStartInfo(Daemon) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--no-defaults", $"--datadir={data}", $"--socket={Path.Combine(folder, "mysqld.sock")}", $"--port={port}", "--bind-address=127.0.0.1",
                     $"--pid-file={Path.Combine(folder, "mysqld.pid")}", "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                     "--innodb-flush-log-at-trx-commit=0", "--skip-name-resolve", "--max-connections=300",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        if (asRoot)
        {
            start.ArgumentList.Add("--user=mysql");
        }
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        var server = new MariaDbServer(folder, port, process);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(200);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException($"MariaDB did not start on port {port}: {(process.HasExited ? await errors : "no answer within 60 s")}");
            }
        }
    }

    /// <summary>A fresh, empty database name; the portal creates it when it migrates.</summary>
    public string NewDatabase() => ConnectionString("t_" + Guid.NewGuid().ToString("N")[..16]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // The OS cleans the temp folder.
            }
        }
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
