using AgentPortal.Core.Configuration;

namespace AgentPortal.Core.Tests.Configuration;

public class OptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.True(new ValidateStorageOptions().Validate(null, new StorageOptions()).Succeeded);
        Assert.True(new ValidateTelemetryOptions().Validate(null, new TelemetryOptions()).Succeeded);
        Assert.True(new ValidateBootstrapOptions().Validate(null, new BootstrapOptions()).Succeeded);
    }

    [Fact]
    public void TelemetryProvider_Unknown_NamesKeyEnvironmentVariableAllowedValuesAndExample()
    {
        var result = new ValidateTelemetryOptions().Validate(null, new TelemetryOptions { Provider = "Clickhose" });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Telemetry:Provider", failure);
        Assert.Contains("Telemetry__Provider", failure);
        Assert.Contains("'Clickhose' is not a telemetry provider", failure);
        Assert.Contains("Allowed: Sqlite, ClickHouse", failure);
        Assert.Contains("Example: Telemetry__Provider=", failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("http://0.0.0.0:4317")]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://localhost:14317")]
    public void OtlpGrpcUrl_EmptyOrAnHttpAddressWithAPort_IsValid(string url) =>
        Assert.True(new ValidateApiOptions().Validate(null, new ApiOptions { OtlpGrpcUrl = url }).Succeeded);

    [Theory]
    [InlineData("4317")]
    [InlineData("http://0.0.0.0")]
    [InlineData("https://0.0.0.0:4317")]
    [InlineData("http://0.0.0.0:4317/v1/traces")]
    public void OtlpGrpcUrl_AnythingElse_NamesTheKeyAndAnExample(string url)
    {
        var failure = Assert.Single(new ValidateApiOptions().Validate(null, new ApiOptions { OtlpGrpcUrl = url }).Failures!);

        Assert.Contains("Api:OtlpGrpcUrl", failure);
        Assert.Contains("Example: Api__OtlpGrpcUrl=http://0.0.0.0:4317", failure);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("SQLITE")]
    public void StorageProvider_IsCaseInsensitive(string provider)
    {
        var options = new StorageOptions { Provider = provider };

        Assert.True(new ValidateStorageOptions().Validate(null, options).Succeeded);
        Assert.Equal(StorageProvider.Sqlite, options.ProviderKind);
    }

    [Fact]
    public void StorageProvider_PostgresWithoutConnectionString_AsksForIt()
    {
        var result = new ValidateStorageOptions().Validate(null, new StorageOptions { Provider = "Postgres" });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Storage__ConnectionString", failure);
        Assert.Contains("required when Storage:Provider is Postgres", failure);
    }

    [Fact]
    public void StorageProvider_PostgresWithConnectionString_IsValid()
    {
        Assert.True(new ValidateStorageOptions().Validate(null, new StorageOptions { Provider = "Postgres", ConnectionString = "Host=db;Database=agentportal" }).Succeeded);
    }

    [Theory]
    [InlineData("my-key")]
    [InlineData("ap_short")]
    [InlineData("ap_has spaces in it 0123456789")]
    public void BootstrapIngestApiKey_NotAPortalKey_IsRejectedWithoutEchoingIt(string key)
    {
        var result = new ValidateBootstrapOptions().Validate(null, new BootstrapOptions { IngestApiKey = key });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Bootstrap__IngestApiKey", failure);
        Assert.DoesNotContain(key, failure);
    }

    [Fact]
    public void TracingRunTimeout_Zero_IsRejected()
    {
        var result = new ValidateTracingOptions().Validate(null, new TracingOptions { RunTimeout = TimeSpan.Zero });

        Assert.Contains("Tracing__RunTimeout", Assert.Single(result.Failures!));
    }

    [Fact]
    public void TelemetryProvider_ClickHouseWithoutUrl_AsksForTheUrl()
    {
        var result = new ValidateTelemetryOptions().Validate(null, new TelemetryOptions { Provider = "ClickHouse" });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Telemetry__ClickHouse__Url", failure);
        Assert.Contains("http://clickhouse:8123", failure);
    }

    [Theory]
    [InlineData("x; DROP")]
    [InlineData("1db")]
    [InlineData("")]
    public void TelemetryProvider_ClickHouseWithBadDatabaseName_IsRejected(string database)
    {
        var result = new ValidateTelemetryOptions().Validate(null, new TelemetryOptions
        {
            Provider = "ClickHouse",
            ClickHouse = new ClickHouseOptions { Url = "http://127.0.0.1:8123", Database = database },
        });

        Assert.Contains("Telemetry__ClickHouse__Database", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData("otel traces")]
    [InlineData("9traces")]
    public void TelemetryProvider_ClickHouseWithBadTracesTable_IsRejected(string table)
    {
        var result = new ValidateTelemetryOptions().Validate(null, new TelemetryOptions
        {
            Provider = "ClickHouse",
            ClickHouse = new ClickHouseOptions { Url = "http://127.0.0.1:8123", Mode = "Collector", TracesTable = table },
        });

        Assert.Contains("Telemetry__ClickHouse__TracesTable", Assert.Single(result.Failures!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void StorageDataDirectory_Blank_IsRejected(string folder)
    {
        var result = new ValidateStorageOptions().Validate(null, new StorageOptions { DataDirectory = folder });

        Assert.Contains(result.Failures!, f => f.StartsWith("Storage:DataDirectory (environment variable Storage__DataDirectory)", StringComparison.Ordinal));
    }

    [Fact]
    public void BootstrapPassword_TooShort_IsRejectedWithoutEchoingIt()
    {
        var result = new ValidateBootstrapOptions().Validate(null, new BootstrapOptions { AdminPassword = "hunter2" });

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("Bootstrap__AdminPassword", failure);
        Assert.Contains("shorter than 12 characters", failure);
        Assert.DoesNotContain("hunter2", failure);
    }

    [Theory]
    [InlineData("not-an-email")]
    [InlineData("Admin <admin@example.com>")]
    public void BootstrapEmail_Invalid_IsRejected(string email)
    {
        var result = new ValidateBootstrapOptions().Validate(null, new BootstrapOptions { AdminEmail = email });

        Assert.Contains("Bootstrap__AdminEmail", Assert.Single(result.Failures!));
    }

    [Fact]
    public void ResolveDataDirectory_Relative_IsAnchoredAtContentRoot()
    {
        var options = new StorageOptions { DataDirectory = "data" };

        Assert.Equal(Path.GetFullPath("/srv/portal/data"), options.ResolveDataDirectory("/srv/portal"));
        Assert.Equal("/var/lib/agentportal", new StorageOptions { DataDirectory = "/var/lib/agentportal" }.ResolveDataDirectory("/srv/portal"));
    }
}
