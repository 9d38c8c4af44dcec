using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentPortal.Core.Telemetry.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class InitialTelemetry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "run_duration_hourly",
                columns: table => new
                {
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    hour_unix = table.Column<long>(type: "INTEGER", nullable: false),
                    bucket = table.Column<int>(type: "INTEGER", nullable: false),
                    count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_run_duration_hourly", x => new { x.agent_id, x.hour_unix, x.bucket });
                });

            migrationBuilder.CreateTable(
                name: "runs",
                columns: table => new
                {
                    trace_id = table.Column<string>(type: "TEXT", nullable: false),
                    span_id = table.Column<string>(type: "TEXT", nullable: false),
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    project_id = table.Column<string>(type: "TEXT", nullable: false),
                    agent_name = table.Column<string>(type: "TEXT", nullable: false),
                    started_unix_nano = table.Column<long>(type: "INTEGER", nullable: false),
                    ended_unix_nano = table.Column<long>(type: "INTEGER", nullable: true),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    error = table.Column<string>(type: "TEXT", nullable: true),
                    input = table.Column<string>(type: "TEXT", nullable: true),
                    output = table.Column<string>(type: "TEXT", nullable: true),
                    metadata = table.Column<string>(type: "TEXT", nullable: true),
                    llm_calls = table.Column<long>(type: "INTEGER", nullable: false),
                    input_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    output_tokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_runs", x => x.trace_id);
                });

            migrationBuilder.CreateTable(
                name: "spans",
                columns: table => new
                {
                    trace_id = table.Column<string>(type: "TEXT", nullable: false),
                    span_id = table.Column<string>(type: "TEXT", nullable: false),
                    parent_span_id = table.Column<string>(type: "TEXT", nullable: true),
                    name = table.Column<string>(type: "TEXT", nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    service_name = table.Column<string>(type: "TEXT", nullable: true),
                    agent_id = table.Column<string>(type: "TEXT", nullable: true),
                    project_id = table.Column<string>(type: "TEXT", nullable: true),
                    start_unix_nano = table.Column<long>(type: "INTEGER", nullable: false),
                    duration_nanos = table.Column<long>(type: "INTEGER", nullable: false),
                    status = table.Column<int>(type: "INTEGER", nullable: false),
                    status_message = table.Column<string>(type: "TEXT", nullable: true),
                    operation = table.Column<string>(type: "TEXT", nullable: true),
                    provider = table.Column<string>(type: "TEXT", nullable: true),
                    request_model = table.Column<string>(type: "TEXT", nullable: true),
                    response_model = table.Column<string>(type: "TEXT", nullable: true),
                    input_tokens = table.Column<long>(type: "INTEGER", nullable: true),
                    output_tokens = table.Column<long>(type: "INTEGER", nullable: true),
                    cached_input_tokens = table.Column<long>(type: "INTEGER", nullable: true),
                    is_run_root = table.Column<bool>(type: "INTEGER", nullable: false),
                    attributes = table.Column<string>(type: "TEXT", nullable: true),
                    resource_attributes = table.Column<string>(type: "TEXT", nullable: true),
                    events = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_spans", x => new { x.trace_id, x.span_id });
                });

            migrationBuilder.CreateTable(
                name: "usage_hourly",
                columns: table => new
                {
                    agent_id = table.Column<string>(type: "TEXT", nullable: false),
                    hour_unix = table.Column<long>(type: "INTEGER", nullable: false),
                    model = table.Column<string>(type: "TEXT", nullable: false),
                    runs = table.Column<long>(type: "INTEGER", nullable: false),
                    run_errors = table.Column<long>(type: "INTEGER", nullable: false),
                    llm_calls = table.Column<long>(type: "INTEGER", nullable: false),
                    llm_errors = table.Column<long>(type: "INTEGER", nullable: false),
                    input_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    output_tokens = table.Column<long>(type: "INTEGER", nullable: false),
                    cached_input_tokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_usage_hourly", x => new { x.agent_id, x.hour_unix, x.model });
                });

            migrationBuilder.CreateIndex(
                name: "idx_runs_agent_started",
                table: "runs",
                columns: new[] { "agent_id", "started_unix_nano" });

            migrationBuilder.CreateIndex(
                name: "idx_runs_status_started",
                table: "runs",
                columns: new[] { "status", "started_unix_nano" });

            migrationBuilder.CreateIndex(
                name: "idx_spans_agent_start",
                table: "spans",
                columns: new[] { "agent_id", "start_unix_nano" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "run_duration_hourly");

            migrationBuilder.DropTable(
                name: "runs");

            migrationBuilder.DropTable(
                name: "spans");

            migrationBuilder.DropTable(
                name: "usage_hourly");
        }
    }
}
