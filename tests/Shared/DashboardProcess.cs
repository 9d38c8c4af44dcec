using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentPortal.Tests.Shared;

/// <summary>
/// The real AgentPortal executable on 127.0.0.1 with a throw-away data folder, started the way a
/// person starts it; it can be stopped and started again on the same port and data.
/// </summary>
public sealed partial class DashboardProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly StringBuilder _output = new();
    private Process? _process;

    /// <summary>Extra environment variables (configuration in Section__Key form) for every start.</summary>
    public Dictionary<string, string> Environment { get; } = [];

    public DashboardProcess()
    {
        Root = Path.Combine(Path.GetTempPath(), "agentportal-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public Uri? BaseAddress { get; private set; }

    /// <summary>The running portal's process id (for reading its memory from /proc), null before it starts.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>The generated first-run password, read from the console as a person would.</summary>
    public string? GeneratedPassword { get; private set; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task StartAsync()
    {
        var port = BaseAddress?.Port ?? 0;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AgentPortal.Dashboard.dll"), "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Storage__DataDirectory"] = DataDirectory;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Many portals run at once in the tests: OTLP/gRPC (port 4317 by default) only where a test asks for it.
        start.Environment["Api__OtlpGrpcUrl"] = "";
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data, listening);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"AgentPortal exited with {process.ExitCode} before listening:\n{Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        BaseAddress = await listening.Task.WaitAsync(s_startTimeout);
    }

    private void OnLine(string? line, TaskCompletionSource<Uri> listening)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
        if (GeneratedPasswordLine().Match(line) is { Success: true } password)
        {
            GeneratedPassword = password.Groups[1].Value;
        }
        if (ListeningLine().Match(line) is { Success: true } address)
        {
            listening.TrySetResult(new Uri(address.Groups[1].Value));
        }
    }

    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process; the temp folder is cleaned by the OS.
        }
    }

    [GeneratedRegex(@"^AgentPortal is listening on (http://[^\s,]+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Generated password \(shown only this once; keep it safe\): (\S+)")]
    private static partial Regex GeneratedPasswordLine();
}
