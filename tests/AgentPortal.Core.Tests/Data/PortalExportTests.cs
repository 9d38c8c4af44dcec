using System.IO.Compression;
using System.Text;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Data.Export;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Tests.Data;

/// <summary>What import refuses, and why, on the embedded stores.</summary>
public sealed class PortalExportTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private SqliteTelemetryStore _telemetry = null!;
    private IDbContextFactory<PortalDbContext> _registry = null!;

    public async Task InitializeAsync()
    {
        _registry = await RegistryDatabase.CreateAsync(new StorageOptions(), _folder.Path);
        _telemetry = new SqliteTelemetryStore(_folder.File("telemetry.db"));
        await _telemetry.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _telemetry.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public void EntityTypes_ComePrincipalFirst_AndLeasesAreLeftOut()
    {
        using var db = _registry.CreateDbContext();
        var order = PortalExport.EntityTypesInOrder(db.Model).Select(t => t.ShortName()).ToList();

        Assert.True(order.IndexOf("PortalUser") < order.IndexOf("IdentityUserRole"));
        Assert.True(order.IndexOf("IdentityRole") < order.IndexOf("IdentityUserRole"));
        Assert.True(order.IndexOf("Conversation") < order.IndexOf("ConversationMessage"));
        Assert.DoesNotContain("PortalLease", order);
    }

    [Fact]
    public async Task Import_OfACutOffFile_SaysItWasCutOff()
    {
        var file = await GzipAsync("""{"format":"agentportal-export","version":1,"created_at":"2026-12-01T10:00:00+00:00","registry_schema":null}""",
            """{"table":"runs","row":["0af7651916cd43dd8448eb211c80319c","b7ad6b7169203331","agent-1","p","Agent",1,2,1,null,null,null,null,0,0,0]}""");

        await using var db = await _registry.CreateDbContextAsync();
        var refused = await Assert.ThrowsAsync<ExportException>(() => PortalExport.ImportAsync(db, _telemetry, file, CancellationToken.None));

        Assert.Contains("without its last line: it was cut off", refused.Message);
    }

    [Fact]
    public async Task Import_OfANewerFormat_OrANewerSchema_SaysToUpgrade()
    {
        await using var db = await _registry.CreateDbContextAsync();

        var newerFormat = await GzipAsync("""{"format":"agentportal-export","version":9,"created_at":"2026-12-01T10:00:00+00:00"}""");
        var newerSchema = await GzipAsync("""{"format":"agentportal-export","version":1,"created_at":"2026-12-01T10:00:00+00:00","registry_schema":"FromTheFuture"}""");

        var format = await Assert.ThrowsAsync<ExportException>(() => PortalExport.ImportAsync(db, _telemetry, newerFormat, CancellationToken.None));
        var schema = await Assert.ThrowsAsync<ExportException>(() => PortalExport.ImportAsync(db, _telemetry, newerSchema, CancellationToken.None));

        Assert.Contains("export format 9, newer than this version of AgentPortal reads (1). Upgrade AgentPortal", format.Message);
        Assert.Contains("newer registry schema (FromTheFuture)", schema.Message);
    }

    [Fact]
    public async Task Import_IntoAStoreThatHoldsData_IsRefusedBeforeAnythingIsWritten()
    {
        await _telemetry.WriteBatchAsync([new TelemetryWrite.StartRun(new RunStart
        {
            TraceId = AgentRunService.NewHexId(16), SpanId = AgentRunService.NewHexId(8), AgentId = "a", AgentName = "A", ProjectId = "p", StartedUnixNano = 1,
        })], CancellationToken.None);
        await using var db = await _registry.CreateDbContextAsync();
        var file = await GzipAsync("""{"format":"agentportal-export","version":1,"created_at":"2026-12-01T10:00:00+00:00"}""");

        var refused = await Assert.ThrowsAsync<ExportException>(() => PortalExport.ImportAsync(db, _telemetry, file, CancellationToken.None));

        Assert.Contains("already holds runs rows. Import into an empty store", refused.Message);
    }

    private static async Task<Stream> GzipAsync(params string[] lines)
    {
        var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
        }
        buffer.Position = 0;
        return buffer;
    }
}
