using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentPortal.Core.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace AgentPortal.Core.Data.Export;

/// <summary>What an export holds: how many records of each registry entity and telemetry table.</summary>
public sealed record ExportSummary(DateTimeOffset CreatedAt, string? RegistrySchema, IReadOnlyDictionary<string, long> Entities, IReadOnlyDictionary<string, long> Tables)
{
    public long Total => Entities.Values.Sum() + Tables.Values.Sum();
}

/// <summary>An export that cannot be written or read, or a target it cannot go into, with what to do about it.</summary>
public sealed class ExportException(string message) : Exception(message);

/// <summary>
/// Moves everything the portal keeps between providers: the registry (agents, API keys, users and
/// roles, prices, alert rules and their history, conversations, the audit log) and the telemetry
/// (spans, runs and their rollups), in one gzip'd JSON Lines file that no provider owns. Registry rows
/// are read and written through the EF Core model, property by property, so every provider's column
/// types and value conversions apply on each side; telemetry rows go through the stores'
/// <see cref="ITelemetryStore.ExportRowsAsync"/> and <see cref="ITelemetryStore.ImportRowsAsync"/>.
/// The last line counts every record, so a cut-off file is refused rather than half-imported silently.
/// The file holds password and key hashes and webhook secrets: keep it as safe as a backup.
/// </summary>
public static class PortalExport
{
    public const string Format = "agentportal-export";
    public const int Version = 1;
    private const int ImportBatch = 1000;

    // A file, never a page: names and text are written as they are (Korean stays readable), not \u-escaped for HTML.
    private static readonly JsonSerializerOptions s_values = new(JsonSerializerDefaults.General)
    {
        Converters = { new JsonStringEnumConverter() },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Leases are a running replica's, not data: they are neither exported nor imported.</summary>
    private static readonly Type[] s_skipped = [typeof(Alerts.PortalLease)];

    public static async Task<ExportSummary> ExportAsync(PortalDbContext db, ITelemetryStore telemetry, Stream output, TimeProvider time, CancellationToken cancellationToken)
    {
        var created = time.GetUtcNow();
        var schema = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).LastOrDefault() is { } last ? MigrationName(last) : null;
        var entities = new Dictionary<string, long>(StringComparer.Ordinal);
        var tables = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        await using var writer = new StreamWriter(gzip, new UTF8Encoding(false)) { NewLine = "\n" };

        await writer.WriteLineAsync(new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["created_at"] = created,
            ["portal_version"] = typeof(PortalExport).Assembly.GetName().Version?.ToString(),
            ["registry_schema"] = schema,
            ["telemetry_store"] = telemetry.Name,
        }.ToJsonString(s_values));

        foreach (var entityType in EntityTypesInOrder(db.Model))
        {
            var properties = entityType.GetProperties().ToList();
            var rows = await ReadAllAsync(db, entityType, cancellationToken);
            foreach (var entity in rows)
            {
                var entry = db.Entry(entity);
                var values = new JsonObject();
                foreach (var property in properties)
                {
                    values[property.Name] = JsonSerializer.SerializeToNode(Normalize(entry.Property(property.Name).CurrentValue), property.ClrType, s_values);
                }
                await writer.WriteLineAsync(new JsonObject { ["entity"] = entityType.ShortName(), ["values"] = values }.ToJsonString(s_values));
            }
            entities[entityType.ShortName()] = rows.Count;
            db.ChangeTracker.Clear();
        }

        foreach (var table in TelemetryTables.All)
        {
            long count = 0;
            await foreach (var row in telemetry.ExportRowsAsync(table, cancellationToken))
            {
                await writer.WriteLineAsync(new JsonObject { ["table"] = table.Name, ["row"] = new JsonArray([.. row.Select(v => JsonValue.Create(v))]) }.ToJsonString(s_values));
                count++;
            }
            tables[table.Name] = count;
        }

        await writer.WriteLineAsync(new JsonObject
        {
            ["end"] = new JsonObject
            {
                ["entities"] = new JsonObject([.. entities.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))]),
                ["tables"] = new JsonObject([.. tables.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)t.Value))]),
            },
        }.ToJsonString(s_values));
        return new ExportSummary(created, schema, entities, tables);
    }

    /// <summary>
    /// Imports a file made by <see cref="ExportAsync"/> into a migrated registry and a telemetry store
    /// that are both empty. Refuses a file of a newer format or schema, a cut-off or damaged file, and a
    /// target that already holds data, each with what to do.
    /// </summary>
    public static async Task<ExportSummary> ImportAsync(PortalDbContext db, ITelemetryStore telemetry, Stream input, CancellationToken cancellationToken)
    {
        await RequireEmptyAsync(db, telemetry, cancellationToken);
        var types = EntityTypesInOrder(db.Model).ToDictionary(t => t.ShortName(), StringComparer.Ordinal);
        var entities = new Dictionary<string, long>(StringComparer.Ordinal);
        var tables = new Dictionary<string, long>(StringComparer.Ordinal);
        var pendingRows = new List<object?[]>();
        TelemetryTable? pendingTable = null;
        var pendingEntities = 0;
        var defaultFixes = new List<(object Entity, IProperty Property, object? Value)>();
        ExportHeader? header = null;
        JsonNode? end = null;

        await using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var lineNumber = 0;
        try
        {
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                lineNumber++;
                if (end is not null)
                {
                    throw new ExportException($"Line {lineNumber} comes after the file's last line: the file was changed after it was written.");
                }
                var record = JsonNode.Parse(line)?.AsObject() ?? throw new ExportException($"Line {lineNumber} is empty.");
                if (header is null)
                {
                    header = ReadHeader(record, db);
                    continue;
                }
                if (record["entity"]?.GetValue<string>() is { } name)
                {
                    if (!types.TryGetValue(name, out var entityType))
                    {
                        throw new ExportException($"Line {lineNumber} holds a '{name}', which this version of AgentPortal does not know.");
                    }
                    AddEntity(db, entityType, record["values"]!.AsObject(), defaultFixes);
                    entities[name] = entities.GetValueOrDefault(name) + 1;
                    if (++pendingEntities >= ImportBatch)
                    {
                        await SaveEntitiesAsync(db, defaultFixes, cancellationToken);
                        pendingEntities = 0;
                    }
                }
                else if (record["table"]?.GetValue<string>() is { } tableName)
                {
                    var table = TelemetryTables.Find(tableName) ?? throw new ExportException($"Line {lineNumber} holds a row of '{tableName}', which is not a telemetry table.");
                    if (pendingTable is not null && (pendingTable != table || pendingRows.Count >= ImportBatch))
                    {
                        await telemetry.ImportRowsAsync(pendingTable, pendingRows, cancellationToken);
                        pendingRows = [];
                    }
                    pendingTable = table;
                    pendingRows.Add(ReadRow(table, record["row"]!.AsArray(), lineNumber));
                    tables[tableName] = tables.GetValueOrDefault(tableName) + 1;
                }
                else if (record["end"] is { } last)
                {
                    end = last;
                }
                else
                {
                    throw new ExportException($"Line {lineNumber} is not a record of an AgentPortal export.");
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new ExportException($"The file cannot be read at line {lineNumber + 1}: {ex.Message} It may be cut off or damaged; export again.");
        }

        if (header is null)
        {
            throw new ExportException("The file is empty: it is not an AgentPortal export.");
        }
        if (end is null)
        {
            throw new ExportException($"The file ends at line {lineNumber} without its last line: it was cut off while being written or copied. Part of it may already be in the target: export again and import into a new, empty target.");
        }
        await SaveEntitiesAsync(db, defaultFixes, cancellationToken);
        if (pendingTable is not null)
        {
            await telemetry.ImportRowsAsync(pendingTable, pendingRows, cancellationToken);
        }
        CheckCounts(end["entities"], entities, "records");
        CheckCounts(end["tables"], tables, "rows");
        return new ExportSummary(header.CreatedAt, header.RegistrySchema, entities, tables);
    }

    /// <summary>Entity types principal first, so every foreign key finds its row.</summary>
    internal static List<IEntityType> EntityTypesInOrder(IModel model)
    {
        var remaining = model.GetEntityTypes().Where(t => !t.IsOwned() && !s_skipped.Contains(t.ClrType)).OrderBy(t => t.ShortName(), StringComparer.Ordinal).ToList();
        var ordered = new List<IEntityType>();
        while (remaining.Count > 0)
        {
            var next = remaining.FirstOrDefault(t => t.GetForeignKeys().All(fk => fk.PrincipalEntityType == t || ordered.Contains(fk.PrincipalEntityType)))
                ?? throw new InvalidOperationException("The registry's foreign keys form a cycle: " + string.Join(", ", remaining.Select(t => t.ShortName())));
            ordered.Add(next);
            remaining.Remove(next);
        }
        return ordered;
    }

    private sealed record ExportHeader(DateTimeOffset CreatedAt, string? RegistrySchema);

    private static ExportHeader ReadHeader(JsonObject record, PortalDbContext db)
    {
        if (record["format"]?.GetValue<string>() != Format)
        {
            throw new ExportException("The file is not an AgentPortal export (its first line names no 'agentportal-export' format). A backup zip goes to 'restore --in', not 'import'.");
        }
        var version = record["version"]?.GetValue<int>() ?? 0;
        if (version > Version)
        {
            throw new ExportException($"The file is export format {version}, newer than this version of AgentPortal reads ({Version}). Upgrade AgentPortal, then import.");
        }
        var schema = record["registry_schema"]?.GetValue<string>();
        if (schema is not null && !db.Database.GetMigrations().Select(MigrationName).Contains(schema, StringComparer.Ordinal))
        {
            throw new ExportException($"The file comes from a newer registry schema ({schema}) than this version of AgentPortal has. Upgrade AgentPortal, then import.");
        }
        return new ExportHeader(record["created_at"]!.GetValue<DateTimeOffset>(), schema);
    }

    private static async Task RequireEmptyAsync(PortalDbContext db, ITelemetryStore telemetry, CancellationToken cancellationToken)
    {
        foreach (var entityType in EntityTypesInOrder(db.Model))
        {
            if ((await ReadAllAsync(db, entityType, cancellationToken, take: 1)).Count > 0)
            {
                throw new ExportException($"The target registry already holds {entityType.GetTableName()} rows. Import into a new database that the portal has not started on yet (run 'import' before the first start), so nothing is mixed or overwritten.");
            }
        }
        db.ChangeTracker.Clear();
        var stats = await telemetry.GetStatsAsync(cancellationToken);
        if (stats.Tables.FirstOrDefault(t => t.Rows > 0) is { } full)
        {
            throw new ExportException($"The target telemetry store ({stats.Location}) already holds {full.Name} rows. Import into an empty store, e.g. a new ClickHouse database or a new data folder.");
        }
    }

    private static void AddEntity(PortalDbContext db, IEntityType entityType, JsonObject values, List<(object, IProperty, object?)> defaultFixes)
    {
        var entity = Activator.CreateInstance(entityType.ClrType, nonPublic: true)
            ?? throw new ExportException($"A {entityType.ShortName()} cannot be created.");
        var entry = db.Entry(entity);
        var generatedKey = entityType.FindPrimaryKey()?.Properties is [{ ValueGenerated: ValueGenerated.OnAdd } key] && key.ClrType == typeof(int) ? key : null;
        foreach (var property in entityType.GetProperties())
        {
            if (property == generatedKey)
            {
                // The store numbers these rows itself (its sequence must stay ahead of them); nothing refers to them.
                continue;
            }
            var value = values.TryGetPropertyValue(property.Name, out var node) && node is not null ? node.Deserialize(property.ClrType, s_values) : null;
            entry.Property(property.Name).CurrentValue = value;
            // A column with a database default is sent only when its value is not the CLR default; put such values back after the insert.
            if ((property.GetDefaultValue() is not null || property.GetDefaultValueSql() is not null) && Equals(value, property.Sentinel))
            {
                defaultFixes.Add((entity, property, value));
            }
        }
        entry.State = EntityState.Added;
    }

    private static async Task SaveEntitiesAsync(PortalDbContext db, List<(object Entity, IProperty Property, object? Value)> defaultFixes, CancellationToken cancellationToken)
    {
        await db.SaveChangesAsync(cancellationToken);
        if (defaultFixes.Count > 0)
        {
            foreach (var (entity, property, value) in defaultFixes)
            {
                var entry = db.Entry(entity).Property(property.Name);
                entry.CurrentValue = value;
                entry.IsModified = true;
            }
            await db.SaveChangesAsync(cancellationToken);
            defaultFixes.Clear();
        }
        db.ChangeTracker.Clear();
    }

    private static object?[] ReadRow(TelemetryTable table, JsonArray values, int lineNumber)
    {
        if (values.Count != table.Columns.Count)
        {
            throw new ExportException($"Line {lineNumber} has {values.Count} values for the {table.Columns.Count} columns of {table.Name}.");
        }
        var row = new object?[values.Count];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = values[i] is not { } value ? null : table.Columns[i].Kind switch
            {
                ColumnKind.Int => value.GetValue<long>(),
                ColumnKind.Real => value.GetValue<double>(),
                ColumnKind.Bool => value.GetValue<bool>(),
                _ => value.GetValue<string>(),
            };
        }
        return row;
    }

    private static void CheckCounts(JsonNode? expected, Dictionary<string, long> read, string what)
    {
        foreach (var (name, count) in expected?.AsObject() ?? [])
        {
            if (read.GetValueOrDefault(name) != count?.GetValue<long>())
            {
                throw new ExportException($"The file says it holds {count} {name} {what} but {read.GetValueOrDefault(name)} were read: it was changed after it was written. Export again.");
            }
        }
    }

    /// <summary>
    /// A migration's name without its timestamp ("AlertRules"): each provider's migrations carry their
    /// own timestamps, so the name is what says which schema a file comes from.
    /// </summary>
    internal static string MigrationName(string migrationId) => migrationId.IndexOf('_') is var at and >= 0 ? migrationId[(at + 1)..] : migrationId;

    /// <summary>Every time the portal keeps is UTC; SQLite reads it back without the kind, so it is stated before it is written.</summary>
    /// <remarks>A decimal loses the trailing zeros of its column's scale (PostgreSQL's numeric reads 0.15 back as 0.150000), so the file says the same whatever wrote it.</remarks>
    private static object? Normalize(object? value) => value switch
    {
        DateTime { Kind: DateTimeKind.Unspecified } time => DateTime.SpecifyKind(time, DateTimeKind.Utc),
        decimal number => number / 1.000000000000000000000000000000000m,
        _ => value,
    };

    private static async Task<List<object>> ReadAllAsync(PortalDbContext db, IEntityType entityType, CancellationToken cancellationToken, int? take = null) =>
        await (Task<List<object>>)typeof(PortalExport).GetMethod(nameof(ReadAllOfAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(entityType.ClrType).Invoke(null, [db, entityType, take, cancellationToken])!;

    private static async Task<List<object>> ReadAllOfAsync<T>(PortalDbContext db, IEntityType entityType, int? take, CancellationToken cancellationToken)
        where T : class
    {
        IQueryable<T> rows = db.Set<T>();
        // A stable order, so two exports of the same data are the same file.
        var keys = entityType.FindPrimaryKey()!.Properties;
        var ordered = rows.OrderBy(e => EF.Property<object>(e, keys[0].Name));
        foreach (var key in keys.Skip(1))
        {
            ordered = ordered.ThenBy(e => EF.Property<object>(e, key.Name));
        }
        rows = take is { } count ? ordered.Take(count) : ordered;
        return [.. (await rows.ToListAsync(cancellationToken)).Cast<object>()];
    }
}
