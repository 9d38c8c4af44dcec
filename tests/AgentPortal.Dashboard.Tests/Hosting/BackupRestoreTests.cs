using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Data;
using AgentPortal.Core.Data.Backup;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Hosting;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Hosting;

/// <summary>backup while the portal runs, restore into an empty folder, and everything comes back: agents, runs, keys, people.</summary>
public sealed class BackupRestoreTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "agentportal-backup-tests", Guid.NewGuid().ToString("N"));

    public BackupRestoreTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task BackupWhileRunning_ThenRestoreIntoAnEmptyFolder_BringsBackAgentsRunsKeysAndPeople()
    {
        var zip = Path.Combine(_folder, "portal-backup.zip");
        string agentId, traceId, key;
        using (var running = new PortalAppFactory())
        {
            var client = running.CreateApiClient();
            using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "backed-up", type = "langflow" })).Content.ReadAsStringAsync());
            agentId = agent.RootElement.GetProperty("id").GetString()!;
            using var started = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "before the backup" })).Content.ReadAsStringAsync());
            traceId = started.RootElement.GetProperty("trace_id").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId, status = "ok", output = "done" })).StatusCode);
            key = (await running.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", ApiKeyScopes.Read, "survives", CancellationToken.None)).Secret;

            // The portal keeps running (and writing) while the snapshot is taken.
            var writing = Task.Run(async () =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await client.PostAsJsonAsync("/agents/register", new { name = $"during-{i}", type = "custom" });
                }
            });
            Assert.Equal(0, await BackupCommand.RunAsync(["backup", "--out", zip, $"--Storage:DataDirectory={running.DataDirectory}"]));
            await writing;
            // The Storage page reads the last backup from the audit log.
            var recorded = await running.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(Area: "storage"), CancellationToken.None);
            Assert.Equal(Path.GetFullPath(zip), Assert.Single(recorded.Items, e => e.Action == AuditActions.BackupCreated).Target);
        }

        var restored = Path.Combine(_folder, "restored");
        Assert.Equal(0, await BackupCommand.RunAsync(["restore", "--in", zip, $"--Storage:DataDirectory={restored}"]));

        using var app = PortalAppFactory.OnDataDirectory(restored);
        var api = app.CreateApiClient(key);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/agents/{agentId}")).StatusCode);
        using var trace = JsonDocument.Parse(await api.GetStringAsync($"/traces/{traceId}"));
        Assert.Equal("done", trace.RootElement.GetProperty("run").GetProperty("output").GetString());
        var admin = await app.CreateAdminClientAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/admin/keys")).StatusCode);
    }

    [Fact]
    public async Task Restore_RefusesAFolderThatHoldsData_ADamagedFile_AndOneFromANewerVersion()
    {
        var zip = Path.Combine(_folder, "backup.zip");
        string source;
        using (var running = new PortalAppFactory())
        {
            _ = running.CreateApiClient();
            source = running.DataDirectory;
            var manifest = await PortalBackup.CreateAsync(new PortalPaths(source), zip, TimeProvider.System, CancellationToken.None);
            Assert.Contains("portal.db", manifest.Schemas.Keys);
            Assert.Equal(PortalBackup.KnownMigrations(registry: true)[^1], manifest.Schemas["portal.db"]);
            Assert.Contains(manifest.Files, f => f.Name.StartsWith("keys/", StringComparison.Ordinal));

            var occupied = await Assert.ThrowsAsync<BackupException>(() => PortalBackup.RestoreAsync(zip, new PortalPaths(source), CancellationToken.None));
            Assert.Contains("Restore into an empty data folder", occupied.Message);
        }

        var damaged = Path.Combine(_folder, "damaged.zip");
        File.Copy(zip, damaged);
        using (var archive = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            archive.GetEntry("portal.db")!.Delete();
            await using var writer = archive.CreateEntry("portal.db").Open();
            await writer.WriteAsync("not the database"u8.ToArray());
        }
        var target = new PortalPaths(Path.Combine(_folder, "empty"));
        var checksum = await Assert.ThrowsAsync<BackupException>(() => PortalBackup.RestoreAsync(damaged, target, CancellationToken.None));
        Assert.Contains("does not match its checksum", checksum.Message);
        Assert.False(File.Exists(target.RegistryDatabase));

        var newer = Path.Combine(_folder, "newer.zip");
        File.Copy(zip, newer);
        using (var archive = ZipFile.Open(newer, ZipArchiveMode.Update))
        {
            var entry = archive.GetEntry(BackupManifest.EntryName)!;
            JsonNode manifest;
            await using (var reader = entry.Open())
            {
                manifest = (await JsonNode.ParseAsync(reader))!;
            }
            manifest["schemas"]!["portal.db"] = "29991231000000_FromAFutureVersion";
            entry.Delete();
            await using var writer = archive.CreateEntry(BackupManifest.EntryName).Open();
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        }
        var future = await Assert.ThrowsAsync<BackupException>(() => PortalBackup.RestoreAsync(newer, target, CancellationToken.None));
        Assert.Contains("made by a newer version", future.Message);

        var notZip = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(notZip, "hello");
        Assert.Contains("not a zip file", (await Assert.ThrowsAsync<BackupException>(() => PortalBackup.RestoreAsync(notZip, target, CancellationToken.None))).Message);
    }
}
