using AgentPortal.Core.Agents;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Security;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Data;

/// <summary>
/// Users, roles, the agent registry and API keys. Each relational provider has its own subclass so
/// each keeps its own migrations (Data/Migrations/Sqlite, Data/Migrations/Postgres).
/// </summary>
public abstract class PortalDbContext(DbContextOptions options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<Agent> Agents => Set<Agent>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<ModelPrice> ModelPrices => Set<ModelPrice>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Agent>(agent =>
        {
            agent.ToTable("agents");
            agent.HasKey(a => a.Id);
            agent.Property(a => a.Id).HasColumnName("id").HasMaxLength(36);
            agent.Property(a => a.Name).HasColumnName("name").HasMaxLength(Agent.MaxNameLength).IsRequired();
            agent.Property(a => a.Type).HasColumnName("type").HasMaxLength(16).HasConversion(t => t.ToWire(), s => ParseType(s));
            agent.Property(a => a.ProjectId).HasColumnName("project_id").HasMaxLength(255).IsRequired().HasDefaultValue(Agent.DefaultProject);
            agent.Property(a => a.ExternalId).HasColumnName("external_id").HasMaxLength(255);
            agent.Property(a => a.Config).HasColumnName("config");
            agent.Property(a => a.MonitoringEnabled).HasColumnName("monitoring_enabled").HasDefaultValue(true);
            agent.Property(a => a.Status).HasColumnName("status").HasMaxLength(16).HasConversion(s => s.ToWire(), s => ParseStatus(s));
            agent.Property(a => a.CreatedAt).HasColumnName("created_at");
            agent.Property(a => a.LastUsedAt).HasColumnName("last_used_at");
            agent.Property(a => a.RegisteredVia).HasColumnName("registered_via").HasMaxLength(16).HasDefaultValue(RegistrationSources.Api);
            agent.HasIndex(a => new { a.Name, a.ProjectId }).IsUnique().HasDatabaseName("ux_agents_name_project");
            agent.HasIndex(a => a.ExternalId).HasDatabaseName("idx_external");
            agent.HasIndex(a => a.LastUsedAt).HasDatabaseName("idx_agents_last_used");
        });

        builder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").HasMaxLength(36);
            key.Property(k => k.ProjectId).HasColumnName("project_id").HasMaxLength(255).IsRequired();
            key.Property(k => k.Name).HasColumnName("name").HasMaxLength(255);
            key.Property(k => k.Prefix).HasColumnName("prefix").HasMaxLength(16).IsRequired();
            key.Property(k => k.Hash).HasColumnName("hash").HasMaxLength(64).IsRequired();
            key.Property(k => k.Scopes).HasColumnName("scopes");
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.RevokedAt).HasColumnName("revoked_at");
            key.HasIndex(k => k.Hash).IsUnique().HasDatabaseName("ux_api_keys_hash");
        });

        builder.Entity<ModelPrice>(price =>
        {
            price.ToTable("model_prices");
            price.HasKey(p => p.Id);
            price.Property(p => p.Id).HasColumnName("id").HasMaxLength(36);
            price.Property(p => p.Model).HasColumnName("model").HasMaxLength(255).IsRequired();
            price.Property(p => p.InputPerMillion).HasColumnName("input_per_million").HasPrecision(18, 6);
            price.Property(p => p.OutputPerMillion).HasColumnName("output_per_million").HasPrecision(18, 6);
            price.Property(p => p.CachedInputPerMillion).HasColumnName("cached_input_per_million").HasPrecision(18, 6);
            price.Property(p => p.EffectiveFrom).HasColumnName("effective_from");
            price.Property(p => p.CreatedAt).HasColumnName("created_at");
            price.HasIndex(p => new { p.Model, p.EffectiveFrom }).IsUnique().HasDatabaseName("ux_model_prices_model_effective");
        });
    }

    private static AgentType ParseType(string value) =>
        AgentEnums.TryParseType(value, out var type) ? type : AgentType.Custom;

    private static AgentStatus ParseStatus(string value) =>
        AgentEnums.TryParseStatus(value, out var status) ? status : AgentStatus.Inactive;
}

public sealed class SqlitePortalDbContext(DbContextOptions<SqlitePortalDbContext> options) : PortalDbContext(options);

public sealed class PostgresPortalDbContext(DbContextOptions<PostgresPortalDbContext> options) : PortalDbContext(options);
