using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentPortal.Core.Telemetry.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ErrorSpansIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "idx_spans_agent_start",
                table: "spans");

            migrationBuilder.CreateIndex(
                name: "idx_spans_agent_errors",
                table: "spans",
                columns: new[] { "agent_id", "start_unix_nano" },
                filter: "status = 2");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "idx_spans_agent_errors",
                table: "spans");

            migrationBuilder.CreateIndex(
                name: "idx_spans_agent_start",
                table: "spans",
                columns: new[] { "agent_id", "start_unix_nano" });
        }
    }
}
