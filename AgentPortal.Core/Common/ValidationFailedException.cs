namespace AgentPortal.Core.Common;

/// <summary>
/// Input that cannot be accepted, keyed by the field as the caller named it (snake_case for the HTTP API),
/// each with what is expected. Nothing has been written when this is thrown.
/// </summary>
public sealed class ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The request is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}"))))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ValidationFailedException For(string field, string problem) => new(new Dictionary<string, string[]> { [field] = [problem] });
}

/// <summary>The request names something that does not exist (404).</summary>
public sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request conflicts with the current state (409), e.g. a run already ended.</summary>
public sealed class ConflictException(string message) : Exception(message);

/// <summary>The caller may not act on this resource (403), e.g. another project's agent.</summary>
public sealed class ForbiddenException(string message) : Exception(message);
