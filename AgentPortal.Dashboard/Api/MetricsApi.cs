using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using AgentPortal.Core.Telemetry;
using OpenTelemetry.Metrics;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format, written by OpenTelemetry's Prometheus exporter
/// from the "AgentPortal" meter, plus the HTTP request metrics recorded here by route template
/// (never the raw path, so ids do not each become a series). With <c>Metrics:Token</c> set, Prometheus
/// sends it as a bearer token; without it, the endpoint wants an API key with the read scope.
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";
    public const string TokenKey = "Metrics:Token";

    public static IServiceCollection AddPortalMetrics(this IServiceCollection services)
    {
        services.AddSingleton<HttpMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(PortalMetrics.MeterName)
            .AddView(instrument => instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>) && instrument.Unit == "s"
                ? new ExplicitBucketHistogramConfiguration { Boundaries = PortalMetrics.SecondBuckets }
                : null)
            .AddPrometheusExporter());
        return services;
    }

    public static WebApplication MapMetricsApi(this WebApplication app)
    {
        app.UseMiddleware<HttpMetricsMiddleware>();
        var token = app.Configuration[TokenKey];
        var endpoint = app.MapPrometheusScrapingEndpoint(Path).WithMetadata(new MachineApiMetadata());
        if (string.IsNullOrEmpty(token))
        {
            endpoint.RequireAuthorization(ApiAuthentication.ReadPolicy);
        }
        else
        {
            app.UseWhen(context => context.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (context, next) =>
            {
                if (!HasToken(context.Request, token))
                {
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await ApiAuthentication.WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "Metrics token required",
                        $"Send the token configured as {TokenKey} (environment variable Metrics__Token) as 'Authorization: Bearer <token>'.");
                    return;
                }
                await next();
            }));
            endpoint.AllowAnonymous();
        }
        return app;
    }

    private static bool HasToken(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>The request counter and duration histogram, labelled by method, route template and status.</summary>
public sealed class HttpMetrics
{
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public HttpMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PortalMetrics.MeterName);
        _requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests, by method, route template and status.");
        _duration = meter.CreateHistogram<double>("http_request_duration", "s", "How long HTTP requests took, by method, route template and status.");
    }

    public void Record(string method, string path, int status, TimeSpan elapsed)
    {
        var tags = new TagList { { "method", method }, { "path", path }, { "status", status.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }
}

internal sealed class HttpMetricsMiddleware(RequestDelegate next, HttpMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var path = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            metrics.Record(context.Request.Method, path, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
        }
    }
}
