using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace AgentPortal.Core.Telemetry.Sqlite;

/// <summary>
/// The tables that find spans by trace id: <c>span_keys</c> holds (segment, trace id, seq) in one
/// B-tree, and each segment is written once, sorted, and never changed. An index on the random trace
/// ids updated in place puts every new span on a random page, and each page a commit touches is
/// written whole to the log and again at the checkpoint: that capped the store near 30,000 spans/s
/// (bench/README.md, <c>--only design-keys</c>). New segments take the largest id, so they land at the
/// end of the B-tree, on new pages, in order.
/// </summary>
internal static class SpanKeySegmentsSchema
{
    public const string Create = """
        CREATE TABLE span_keys (segment INTEGER NOT NULL, trace_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (segment, trace_id, seq)) WITHOUT ROWID;
        CREATE TABLE span_segments (id INTEGER NOT NULL PRIMARY KEY, entries INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL);
        """;

    public const string Drop = "DROP TABLE span_keys; DROP TABLE span_segments;";

    /// <summary>
    /// The seqs of the spans of the trace(s) a condition on <c>k.trace_id</c> picks, e.g.
    /// <c>k.trace_id = $trace_id</c>: one probe of the key B-tree per segment.
    /// </summary>
    public static string SeqsWhere(string traceCondition) =>
        $"SELECT k.seq FROM span_keys k WHERE k.segment IN (SELECT id FROM span_segments) AND {traceCondition}";
}

/// <summary>
/// The writer's side of <see cref="SpanKeySegmentsSchema"/>: the keys of the spans one write stored
/// become one segment, in the same transaction as the spans (so a trace is found as soon as its spans
/// are committed, and a crash leaves both or neither). Segments of about the same size are merged,
/// <see cref="Fanout"/> at a time, into one, so a lookup probes a few dozen segments, not one per
/// write; a merge stops at <see cref="MaxMergedEntries"/> so none holds the writer for long. Kept on
/// SQLite's own tables rather than a separate index file so that backups, crash recovery and
/// retention stay those of the one database file.
/// </summary>
internal sealed class SpanKeySegments : IDisposable
{
    /// <summary>How many segments of one size are merged into one.</summary>
    internal const int Fanout = 8;

    /// <summary>The largest segment a merge makes (about half a second of the writer's time).</summary>
    internal const long MaxMergedEntries = 262_144;

    private readonly SqliteConnection _connection;
    private readonly List<Segment> _segments = [];
    private readonly SqliteCommand _insertKeys;
    private readonly SqliteCommand _insertSegment;
    private long _nextId = 1;
    private long _firstPending;
    private long _lastPending;

    private readonly record struct Segment(long Id, long Entries, long FirstSeq, long LastSeq)
    {
        public int Tier => TierOf(Entries);
    }

    public SpanKeySegments(SqliteConnection connection)
    {
        _connection = connection;
        _insertKeys = Command("""
            INSERT INTO span_keys (segment, trace_id, seq)
            SELECT $segment, trace_id, seq FROM spans WHERE seq BETWEEN $first AND $last ORDER BY trace_id, seq;
            """, "$segment", "$first", "$last");
        _insertSegment = Command("INSERT INTO span_segments (id, entries, first_seq, last_seq) VALUES ($id, $entries, $first, $last);", "$id", "$entries", "$first", "$last");
        Load();
    }

    /// <summary>The segment sizes a merge picks from: 1, 2-7, 8-63, ... entries are tiers 0, 1, 2, ...</summary>
    private static int TierOf(long entries)
    {
        var tier = 0;
        for (var size = entries; size >= Fanout; size /= Fanout)
        {
            tier++;
        }
        return tier;
    }

    /// <summary>Re-reads the segments from the database, e.g. after a failed transaction or a purge.</summary>
    public void Load()
    {
        ClearPending();
        _segments.Clear();
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, entries, first_seq, last_seq FROM span_segments ORDER BY id;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            _segments.Add(new Segment(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        _nextId = _segments.Count == 0 ? 1 : _segments[^1].Id + 1;
    }

    public void Enlist(SqliteTransaction transaction) => _insertKeys.Transaction = _insertSegment.Transaction = transaction;

    /// <summary>Notes a span just stored; <see cref="Flush"/> writes its key.</summary>
    public void Add(long seq)
    {
        _firstPending = Math.Min(_firstPending, seq);
        _lastPending = Math.Max(_lastPending, seq);
    }

    /// <summary>
    /// Writes the keys noted since the last flush as one segment, in key order. The one writer
    /// appends spans in seq order, so the spans of one write are exactly those between its first
    /// and last seq: their keys are read back from the pages just written and sorted by SQLite, not
    /// sent one statement per span.
    /// </summary>
    public void Flush()
    {
        if (_firstPending > _lastPending)
        {
            return;
        }
        var id = _nextId++;
        _insertKeys.Parameters[0].Value = id;
        _insertKeys.Parameters[1].Value = _firstPending;
        _insertKeys.Parameters[2].Value = _lastPending;
        var entries = _insertKeys.ExecuteNonQuery();
        AddSegment(new Segment(id, entries, _firstPending, _lastPending));
        ClearPending();
    }

    /// <summary>
    /// Makes one segment of the spans stored without one (an import, which inserts rows directly).
    /// Every write flushes its keys and retention drops only whole segments from the oldest, so the
    /// spans without keys are exactly those after the last segment's last seq.
    /// </summary>
    public void IndexUnindexed(SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT min(seq), max(seq) FROM spans WHERE seq > $after;";
        command.Parameters.AddWithValue("$after", _segments.Count == 0 ? 0 : _segments.Max(s => s.LastSeq));
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read() || reader.IsDBNull(0))
            {
                return;
            }
            Add(reader.GetInt64(0));
            Add(reader.GetInt64(1));
        }
        Enlist(transaction);
        Flush();
    }

    /// <summary>The next merge: <see cref="Fanout"/> of the oldest segments of the smallest tier that has as many, or null.</summary>
    public IReadOnlyList<long>? NextMerge()
    {
        foreach (var tier in _segments.GroupBy(s => s.Tier).OrderBy(g => g.Key))
        {
            var group = tier.Take(Fanout).ToList();
            if (group.Count == Fanout && group.Sum(s => s.Entries) <= MaxMergedEntries)
            {
                return group.Select(s => s.Id).ToList();
            }
        }
        return null;
    }

    /// <summary>
    /// Merges the segments into one new one, in key order, leaving out keys of spans that retention
    /// has deleted (below the oldest stored seq).
    /// </summary>
    public void Merge(IReadOnlyList<long> ids, SqliteTransaction transaction)
    {
        var sources = _segments.Where(s => ids.Contains(s.Id)).ToList();
        var id = _nextId++;
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids));
        command.CommandText = """
            INSERT INTO span_keys (segment, trace_id, seq)
            SELECT $id, trace_id, seq FROM span_keys
            WHERE segment IN (SELECT value FROM json_each($ids)) AND seq >= coalesce((SELECT min(seq) FROM spans), 0)
            ORDER BY trace_id, seq;
            """;
        var entries = command.ExecuteNonQuery();
        command.CommandText = """
            DELETE FROM span_keys WHERE segment IN (SELECT value FROM json_each($ids));
            DELETE FROM span_segments WHERE id IN (SELECT value FROM json_each($ids));
            """;
        command.ExecuteNonQuery();
        _segments.RemoveAll(s => ids.Contains(s.Id));
        if (entries > 0)
        {
            _insertSegment.Transaction = transaction;
            AddSegment(new Segment(id, entries, sources.Min(s => s.FirstSeq), sources.Max(s => s.LastSeq)));
        }
    }

    /// <summary>Drops the segments whose spans retention has all deleted; <see cref="Load"/> after the commit.</summary>
    public void DropDeleted(SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM span_keys WHERE segment IN (SELECT id FROM span_segments WHERE last_seq < coalesce((SELECT min(seq) FROM spans), 9223372036854775807));
            DELETE FROM span_segments WHERE last_seq < coalesce((SELECT min(seq) FROM spans), 9223372036854775807);
            """;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _insertKeys.Dispose();
        _insertSegment.Dispose();
    }

    private void ClearPending()
    {
        _firstPending = long.MaxValue;
        _lastPending = long.MinValue;
    }

    private void AddSegment(Segment segment)
    {
        _insertSegment.Parameters[0].Value = segment.Id;
        _insertSegment.Parameters[1].Value = segment.Entries;
        _insertSegment.Parameters[2].Value = segment.FirstSeq;
        _insertSegment.Parameters[3].Value = segment.LastSeq;
        _insertSegment.ExecuteNonQuery();
        _segments.Add(segment);
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }
        return command;
    }
}
