using System;

namespace Xception.Compiler.Serving.Protocol;

/// <summary>
/// A request the protocol refuses: answered with <see cref="StatusCode"/> and the error object
/// <c>{"error": message}</c>, after which the server goes on serving.
/// </summary>
public sealed class ProtocolException(int statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status of the answer (400 for a request that does not fit, 404 for an unknown model, ...).</summary>
    public int StatusCode { get; } = statusCode;

    public static ProtocolException BadRequest(string message) => new(400, message);
}
