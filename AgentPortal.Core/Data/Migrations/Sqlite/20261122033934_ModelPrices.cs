using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentPortal.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ModelPrices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "model_prices",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 36, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    input_per_million = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    output_per_million = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    cached_input_per_million = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: true),
                    effective_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_model_prices", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ux_model_prices_model_effective",
                table: "model_prices",
                columns: new[] { "model", "effective_from" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "model_prices");
        }
    }
}
