using AgentPortal.Core.Data;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// A request that failed because the registry database is down answers 503 with Retry-After and says
/// so, instead of an internal error: for an API key check (before any endpoint runs), and for endpoints
/// through <see cref="ApiExceptionFilter"/>. The failure is logged once, without the request's secrets.
/// </summary>
internal sealed partial class RegistryUnavailableMiddleware(RequestDelegate next, ILogger<RegistryUnavailableMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (RegistryUnavailable.Matches(ex) && !context.Response.HasStarted)
        {
            LogUnavailable(ex, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            await Problem(context, ex).ExecuteAsync(context);
        }
    }

    public static IResult Problem(HttpContext context, Exception exception)
    {
        context.Response.Headers.RetryAfter = ((int)RegistryUnavailable.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(title: "Registry database unavailable", detail: RegistryUnavailable.Describe(exception), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the registry database cannot be reached")]
    private partial void LogUnavailable(Exception exception, string method, string path);
}
