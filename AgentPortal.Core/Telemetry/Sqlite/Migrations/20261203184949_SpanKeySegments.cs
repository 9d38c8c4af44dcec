using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentPortal.Core.Telemetry.Sqlite.Migrations
{
    /// <summary>
    /// Spans get an append order (seq) and a key led by the start time instead of a primary key on
    /// (trace_id, span_id), and their trace ids move into sorted segments (span_keys). Existing spans
    /// keep their order and become the first segment. Written as SQL because EF Core's rebuild would
    /// give every existing row the same seq, and WITHOUT ROWID tables are not in its model.
    /// </summary>
    public partial class SpanKeySegments : Migration
    {
        /// <summary>The span columns as the previous migration left them, in order.</summary>
        private const string ColumnDefinitions = """
            "trace_id" TEXT NOT NULL,
            "span_id" TEXT NOT NULL,
            "parent_span_id" TEXT NULL,
            "name" TEXT NOT NULL,
            "kind" INTEGER NOT NULL,
            "service_name" TEXT NULL,
            "agent_id" TEXT NULL,
            "project_id" TEXT NULL,
            "start_unix_nano" INTEGER NOT NULL,
            "duration_nanos" INTEGER NOT NULL,
            "status" INTEGER NOT NULL,
            "status_message" TEXT NULL,
            "operation" TEXT NULL,
            "provider" TEXT NULL,
            "request_model" TEXT NULL,
            "response_model" TEXT NULL,
            "input_tokens" INTEGER NULL,
            "output_tokens" INTEGER NULL,
            "cached_input_tokens" INTEGER NULL,
            "is_run_root" INTEGER NOT NULL,
            "attributes" TEXT NULL,
            "resource_attributes" TEXT NULL,
            "events" TEXT NULL,
            "links" TEXT NULL
            """;

        private const string Columns = """
            "trace_id", "span_id", "parent_span_id", "name", "kind", "service_name", "agent_id", "project_id",
            "start_unix_nano", "duration_nanos", "status", "status_message", "operation", "provider", "request_model", "response_model",
            "input_tokens", "output_tokens", "cached_input_tokens", "is_run_root", "attributes", "resource_attributes", "events", "links"
            """;

        private const string ErrorsIndex = """CREATE INDEX "idx_spans_agent_errors" ON "spans" ("agent_id", "start_unix_nano") WHERE status = 2;""";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"""
                CREATE TABLE "ef_temp_spans" ("seq" INTEGER NOT NULL CONSTRAINT "PK_spans" PRIMARY KEY AUTOINCREMENT, {ColumnDefinitions});
                INSERT INTO "ef_temp_spans" ({Columns}) SELECT {Columns} FROM "spans" ORDER BY rowid;
                DROP TABLE "spans";
                ALTER TABLE "ef_temp_spans" RENAME TO "spans";
                {ErrorsIndex}
                CREATE UNIQUE INDEX "idx_spans_key" ON "spans" ("start_unix_nano", "trace_id", "span_id");
                {SpanKeySegmentsSchema.Create}
                INSERT INTO span_keys (segment, trace_id, seq) SELECT 1, trace_id, seq FROM spans ORDER BY trace_id, seq;
                INSERT INTO span_segments (id, entries, first_seq, last_seq)
                    SELECT 1, count(*), min(seq), max(seq) FROM spans HAVING count(*) > 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql($"""
                {SpanKeySegmentsSchema.Drop}
                DROP INDEX "idx_spans_key";
                CREATE TABLE "ef_temp_spans" ({ColumnDefinitions}, CONSTRAINT "PK_spans" PRIMARY KEY ("trace_id", "span_id"));
                INSERT OR IGNORE INTO "ef_temp_spans" ({Columns}) SELECT {Columns} FROM "spans" ORDER BY seq;
                DROP TABLE "spans";
                ALTER TABLE "ef_temp_spans" RENAME TO "spans";
                {ErrorsIndex}
                """);
        }
    }
}
