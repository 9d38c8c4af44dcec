using AgentPortal.Core.Agents;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Security;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Data;

/// <summary>
/// Users, roles, the agent registry and API keys. Each relational provider has its own subclass so
/// each keeps its own migrations (Data/Migrations/Sqlite, Data/Migrations/Postgres, Data/Migrations/MySql).
/// </summary>
public abstract class PortalDbContext(DbContextOptions options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<Agent> Agents => Set<Agent>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Audit.AuditEvent> AuditEvents => Set<Audit.AuditEvent>();

    public DbSet<ModelPrice> ModelPrices => Set<ModelPrice>();

    public DbSet<Chat.Conversation> Conversations => Set<Chat.Conversation>();

    public DbSet<Chat.ConversationMessage> ConversationMessages => Set<Chat.ConversationMessage>();

    public DbSet<Alerts.AlertRule> AlertRules => Set<Alerts.AlertRule>();

    public DbSet<Alerts.AlertEvent> AlertEvents => Set<Alerts.AlertEvent>();

    public DbSet<Alerts.PortalLease> PortalLeases => Set<Alerts.PortalLease>();

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
            key.Property(k => k.ExpiresAt).HasColumnName("expires_at");
            key.Property(k => k.LastUsedAt).HasColumnName("last_used_at");
            key.Property(k => k.CreatedBy).HasColumnName("created_by").HasMaxLength(255);
            key.Property(k => k.RotatedFrom).HasColumnName("rotated_from").HasMaxLength(36);
            key.HasIndex(k => k.ProjectId).HasDatabaseName("idx_api_keys_project");
            key.HasIndex(k => k.Hash).IsUnique().HasDatabaseName("ux_api_keys_hash");
        });

        builder.Entity<Audit.AuditEvent>(e =>
        {
            e.ToTable("audit_events");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id").HasMaxLength(36);
            e.Property(a => a.At).HasColumnName("at");
            e.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(255).IsRequired();
            e.Property(a => a.Action).HasColumnName("action").HasMaxLength(64).IsRequired();
            e.Property(a => a.Target).HasColumnName("target").HasMaxLength(255);
            e.Property(a => a.Detail).HasColumnName("detail").HasMaxLength(Audit.AuditLog.MaxDetailLength);
            e.Property(a => a.Address).HasColumnName("address").HasMaxLength(64);
            e.Property(a => a.Succeeded).HasColumnName("succeeded");
            e.HasIndex(a => a.At).HasDatabaseName("idx_audit_events_at");
            e.HasIndex(a => new { a.Action, a.At }).HasDatabaseName("idx_audit_events_action_at");
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

        builder.Entity<Chat.Conversation>(conversation =>
        {
            conversation.ToTable("chat_conversations");
            conversation.HasKey(c => c.Id);
            conversation.Property(c => c.Id).HasColumnName("id").HasMaxLength(36);
            conversation.Property(c => c.UserId).HasColumnName("user_id").HasMaxLength(450).IsRequired();
            conversation.Property(c => c.Title).HasColumnName("title").HasMaxLength(Chat.Conversation.MaxTitleLength).IsRequired();
            conversation.Property(c => c.Model).HasColumnName("model").HasMaxLength(255);
            conversation.Property(c => c.AgentId).HasColumnName("agent_id").HasMaxLength(36);
            conversation.Property(c => c.SystemPrompt).HasColumnName("system_prompt");
            conversation.Property(c => c.Temperature).HasColumnName("temperature");
            conversation.Property(c => c.MaxTokens).HasColumnName("max_tokens");
            conversation.Property(c => c.CreatedAt).HasColumnName("created_at");
            conversation.Property(c => c.UpdatedAt).HasColumnName("updated_at");
            conversation.HasIndex(c => new { c.UserId, c.UpdatedAt }).HasDatabaseName("idx_chat_conversations_user_updated");
            conversation.HasOne<PortalUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            conversation.HasMany(c => c.Messages).WithOne().HasForeignKey(m => m.ConversationId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Chat.ConversationMessage>(message =>
        {
            message.ToTable("chat_messages");
            message.HasKey(m => m.Id);
            message.Property(m => m.Id).HasColumnName("id").HasMaxLength(36);
            message.Property(m => m.ConversationId).HasColumnName("conversation_id").HasMaxLength(36).IsRequired();
            message.Property(m => m.Sequence).HasColumnName("sequence");
            message.Property(m => m.Role).HasColumnName("role").HasMaxLength(16).IsRequired();
            message.Property(m => m.Content).HasColumnName("content").IsRequired();
            message.Property(m => m.Model).HasColumnName("model").HasMaxLength(255);
            message.Property(m => m.TraceId).HasColumnName("trace_id").HasMaxLength(32);
            message.Property(m => m.InputTokens).HasColumnName("input_tokens");
            message.Property(m => m.OutputTokens).HasColumnName("output_tokens");
            message.Property(m => m.Cost).HasColumnName("cost");
            message.Property(m => m.LatencyMilliseconds).HasColumnName("latency_ms");
            message.Property(m => m.TimeToFirstTokenMilliseconds).HasColumnName("ttft_ms");
            message.Property(m => m.Error).HasColumnName("error");
            message.Property(m => m.CreatedAt).HasColumnName("created_at");
            message.HasIndex(m => new { m.ConversationId, m.Sequence }).IsUnique().HasDatabaseName("ux_chat_messages_conversation_sequence");
        });

        ConfigureAlerts(builder);
    }

    private static void ConfigureAlerts(ModelBuilder builder)
    {
        builder.Entity<Alerts.AlertRule>(rule =>
        {
            rule.ToTable("alert_rules");
            rule.HasKey(r => r.Id);
            rule.Property(r => r.Id).HasColumnName("id").HasMaxLength(36);
            rule.Property(r => r.Name).HasColumnName("name").HasMaxLength(Alerts.AlertRule.MaxNameLength).IsRequired();
            rule.Property(r => r.Scope).HasColumnName("scope").HasMaxLength(16).HasConversion<string>();
            rule.Property(r => r.Target).HasColumnName("target").HasMaxLength(255);
            rule.Property(r => r.ProjectId).HasColumnName("project_id").HasMaxLength(255);
            rule.Property(r => r.Metric).HasColumnName("metric").HasMaxLength(32).HasConversion<string>();
            rule.Property(r => r.Threshold).HasColumnName("threshold");
            rule.Property(r => r.WindowHours).HasColumnName("window_hours");
            rule.Property(r => r.MinSamples).HasColumnName("min_samples");
            rule.Property(r => r.PendingMinutes).HasColumnName("pending_minutes");
            rule.Property(r => r.Enabled).HasColumnName("enabled");
            rule.Property(r => r.MutedUntil).HasColumnName("muted_until");
            rule.Property(r => r.WebhookUrl).HasColumnName("webhook_url").HasMaxLength(2000);
            rule.Property(r => r.WebhookFormat).HasColumnName("webhook_format").HasMaxLength(16).HasConversion<string>();
            rule.Property(r => r.WebhookSecret).HasColumnName("webhook_secret").HasMaxLength(200);
            rule.Property(r => r.WebhookFailures).HasColumnName("webhook_failures");
            rule.Property(r => r.WebhookDisabledAt).HasColumnName("webhook_disabled_at");
            rule.Property(r => r.WebhookLastError).HasColumnName("webhook_last_error").HasMaxLength(1000);
            rule.Property(r => r.State).HasColumnName("state").HasMaxLength(16).HasConversion<string>();
            rule.Property(r => r.StateSince).HasColumnName("state_since");
            rule.Property(r => r.LastValue).HasColumnName("last_value");
            rule.Property(r => r.LastEvaluatedAt).HasColumnName("last_evaluated_at");
            rule.Property(r => r.CreatedAt).HasColumnName("created_at");
            rule.Property(r => r.CreatedBy).HasColumnName("created_by").HasMaxLength(255).IsRequired();
            rule.Property(r => r.UpdatedAt).HasColumnName("updated_at");
            rule.HasIndex(r => r.ProjectId).HasDatabaseName("idx_alert_rules_project");
        });

        builder.Entity<Alerts.AlertEvent>(e =>
        {
            e.ToTable("alert_events");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).HasColumnName("id").HasMaxLength(36);
            e.Property(a => a.RuleId).HasColumnName("rule_id").HasMaxLength(36).IsRequired();
            e.Property(a => a.RuleName).HasColumnName("rule_name").HasMaxLength(Alerts.AlertRule.MaxNameLength).IsRequired();
            e.Property(a => a.At).HasColumnName("at");
            e.Property(a => a.Kind).HasColumnName("kind").HasMaxLength(16).HasConversion<string>();
            e.Property(a => a.Value).HasColumnName("value");
            e.Property(a => a.Message).HasColumnName("message").HasMaxLength(1000).IsRequired();
            e.Property(a => a.Delivered).HasColumnName("delivered");
            e.Property(a => a.DeliveryError).HasColumnName("delivery_error").HasMaxLength(1000);
            e.HasIndex(a => new { a.RuleId, a.At }).HasDatabaseName("idx_alert_events_rule_at");
            e.HasIndex(a => a.At).HasDatabaseName("idx_alert_events_at");
        });

        builder.Entity<Alerts.PortalLease>(lease =>
        {
            lease.ToTable("portal_leases");
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasColumnName("name").HasMaxLength(64);
            lease.Property(l => l.Holder).HasColumnName("holder").HasMaxLength(255).IsRequired();
            lease.Property(l => l.ExpiresAt).HasColumnName("expires_at");
        });
    }

    private static AgentType ParseType(string value) =>
        AgentEnums.TryParseType(value, out var type) ? type : AgentType.Custom;

    private static AgentStatus ParseStatus(string value) =>
        AgentEnums.TryParseStatus(value, out var status) ? status : AgentStatus.Inactive;
}

public sealed class SqlitePortalDbContext(DbContextOptions<SqlitePortalDbContext> options) : PortalDbContext(options);

public sealed class PostgresPortalDbContext(DbContextOptions<PostgresPortalDbContext> options) : PortalDbContext(options);

/// <summary>MySQL 8+ and MariaDB 10.11+ through Oracle's MySql.EntityFrameworkCore (the EF Core 10 provider that runs here).</summary>
public sealed class MySqlPortalDbContext(DbContextOptions<MySqlPortalDbContext> options) : PortalDbContext(options);
