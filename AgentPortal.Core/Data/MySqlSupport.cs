using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace AgentPortal.Core.Data;

/// <summary>Connection settings the registry needs on MySQL and MariaDB, whatever the operator's string says.</summary>
public static class MySqlConnections
{
    /// <summary>
    /// <c>OldGuids=true</c>: the driver reads any <c>char(36)</c> column back as a <see cref="Guid"/>, which
    /// fails for the registry's string ids. The committed migrations make them <c>varchar(36)</c>; this
    /// keeps a database whose ids are <c>char(36)</c> (made by hand or by another tool) readable too.
    /// </summary>
    public static string Prepare(string connectionString)
    {
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        builder["OldGuids"] = "true";
        return builder.ConnectionString;
    }
}

/// <summary>
/// The migrations history table for MySQL and MariaDB, with a migration lock both servers honour.
/// MySql.EntityFrameworkCore takes its lock with <c>SELECT GET_LOCK(name, -1)</c> and reads the answer
/// as a long: MySQL answers BIGINT, MariaDB 10.11 an INT, and the provider's cast fails, so no
/// migration runs on MariaDB. Its history repository is internal and its lock command bypasses command
/// interceptors, so this one replaces it (through <c>ReplaceService</c>): the lock waits at most a day and
/// is read whatever integer type the server answers with. The SQL is MySQL's own, usable on both.
/// </summary>
public sealed class MySqlHistoryRepository(HistoryRepositoryDependencies dependencies) : HistoryRepository(dependencies)
{
    private const string LockName = "__EFMigrationsLock";

    public override LockReleaseBehavior LockReleaseBehavior => LockReleaseBehavior.Connection;

    protected override string ExistsSql =>
        $"SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{TableName}';";

    protected override bool InterpretExistsResult(object? value) => value is not null and not DBNull;

    public override string GetCreateIfNotExistsScript() =>
        GetCreateScript().Replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", StringComparison.Ordinal);

    // Idempotent scripts need IF blocks, which MySQL allows only inside stored programs.
    public override string GetBeginIfNotExistsScript(string migrationId) => throw new NotSupportedException("Idempotent migration scripts are not supported on MySQL; run the migrations with the portal itself.");

    public override string GetBeginIfExistsScript(string migrationId) => throw new NotSupportedException("Idempotent migration scripts are not supported on MySQL; run the migrations with the portal itself.");

    public override string GetEndIfScript() => throw new NotSupportedException("Idempotent migration scripts are not supported on MySQL; run the migrations with the portal itself.");

    public override IMigrationsDatabaseLock AcquireDatabaseLock()
    {
        RequireLock(Command($"SELECT GET_LOCK('{LockName}', 86400);").ExecuteScalar(Parameters()));
        return new Lock(this);
    }

    public override async Task<IMigrationsDatabaseLock> AcquireDatabaseLockAsync(CancellationToken cancellationToken = default)
    {
        RequireLock(await Command($"SELECT GET_LOCK('{LockName}', 86400);").ExecuteScalarAsync(Parameters(), cancellationToken));
        return new Lock(this);
    }

    private static void RequireLock(object? answer)
    {
        if (answer is null or DBNull || Convert.ToInt64(answer, System.Globalization.CultureInfo.InvariantCulture) != 1)
        {
            throw new InvalidOperationException("Another AgentPortal has held the migration lock for a day; check for a stuck start.");
        }
    }

    private IRelationalCommand Command(string sql) => Dependencies.RawSqlCommandBuilder.Build(sql);

    private RelationalCommandParameterObject Parameters() =>
        new(Dependencies.Connection, null, null, Dependencies.CurrentContext.Context, Dependencies.CommandLogger, CommandSource.Migrations);

    private sealed class Lock(MySqlHistoryRepository repository) : IMigrationsDatabaseLock
    {
        public IHistoryRepository HistoryRepository => repository;

        public void Dispose() => repository.Command($"SELECT RELEASE_LOCK('{LockName}');").ExecuteScalar(repository.Parameters());

        public async ValueTask DisposeAsync() => await repository.Command($"SELECT RELEASE_LOCK('{LockName}');").ExecuteScalarAsync(repository.Parameters());

        public IMigrationsDatabaseLock ReacquireIfNeeded(bool connectionReopened, bool? transactionRestarted) =>
            connectionReopened ? repository.AcquireDatabaseLock() : this;

        public async Task<IMigrationsDatabaseLock> ReacquireIfNeededAsync(bool connectionReopened, bool? transactionRestarted, CancellationToken cancellationToken = default) =>
            connectionReopened ? await repository.AcquireDatabaseLockAsync(cancellationToken) : this;
    }
}
