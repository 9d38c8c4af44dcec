using AgentPortal.Core.Common;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Turns what the core says went wrong into RFC 7807 problem details: what was wrong and how to fix it.
/// Unexpected failures answer 500 without internals and are logged.
/// </summary>
internal sealed partial class ApiExceptionFilter(ILogger<ApiExceptionFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ValidationFailedException ex)
        {
            return TypedResults.ValidationProblem(ex.Errors, title: "The request is not valid", detail: "Fix the fields listed in 'errors' and send it again; nothing was stored.");
        }
        catch (RequestBodyException ex)
        {
            return TypedResults.Problem(title: ex.Title, detail: ex.Message, statusCode: ex.StatusCode);
        }
        catch (NotFoundException ex)
        {
            return TypedResults.Problem(title: "Not found", detail: ex.Message, statusCode: StatusCodes.Status404NotFound);
        }
        catch (ConflictException ex)
        {
            return TypedResults.Problem(title: "Conflict", detail: ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (ForbiddenException ex)
        {
            return TypedResults.Problem(title: "Forbidden", detail: ex.Message, statusCode: StatusCodes.Status403Forbidden);
        }
        catch (TelemetryBackpressureException ex)
        {
            context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(ex.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(title: "Too many requests", detail: ex.Message, statusCode: StatusCodes.Status429TooManyRequests);
        }
        catch (AgentPortal.Core.Llm.LlmGatewayException ex)
        {
            if (ex.RetryAfter is { } retryAfter)
            {
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return TypedResults.Problem(title: ex.Title, detail: ex.Message, statusCode: ex.StatusCode);
        }
        catch (AgentPortal.Core.Integrations.RunnerException ex)
        {
            // Not "trace_id": problem details already carry the request's traceId, which the API's snake_case names the same.
            return TypedResults.Problem(title: ex.Title, detail: ex.Message, statusCode: ex.StatusCode,
                extensions: ex.TraceId is { } traceId ? new Dictionary<string, object?> { ["run_trace_id"] = traceId } : null);
        }
        catch (AgentPortal.Core.Telemetry.TelemetryStoreUnavailableException ex)
        {
            // Never a 2xx for data that could not be committed: the client keeps it and retries.
            context.HttpContext.Response.Headers.RetryAfter = ((int)ex.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(title: "Telemetry store unavailable", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (AgentPortal.Core.Telemetry.ReadOnlyTelemetryStoreException ex)
        {
            return TypedResults.Problem(title: "Read-only telemetry store", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception ex) when (AgentPortal.Core.Data.RegistryUnavailable.Matches(ex))
        {
            return RegistryUnavailableMiddleware.Problem(context.HttpContext, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogUnexpected(ex, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            return TypedResults.Problem(title: "Internal error",
                detail: $"The portal could not complete this request; it was logged with id {context.HttpContext.TraceIdentifier}. Try again; if it keeps failing, tell your administrator that id.",
                statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure in {Method} {Path}")]
    private partial void LogUnexpected(Exception exception, string method, string path);
}
