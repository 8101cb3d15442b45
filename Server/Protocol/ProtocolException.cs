using System;
using Xception.Compiler.Serving.Metrics;

namespace Xception.Compiler.Serving.Protocol;

/// <summary>
/// A request the protocol refuses: answered with <see cref="StatusCode"/> and the error object
/// <c>{"error": message}</c>, after which the server goes on serving.
/// </summary>
/// <remarks>
/// Every refusal is a 400, as the protocol's error responses usually are and as Triton answers an unknown model
/// or an oversized body; <see cref="Outcome"/> keeps the kinds apart in <c>/metrics</c>.
/// </remarks>
public sealed class ProtocolException : Exception
{
    private ProtocolException(string outcome, string message)
        : base(message)
    {
        Outcome = outcome;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public int StatusCode => 400;

    /// <summary>The <see cref="RequestOutcome"/> the request is counted under.</summary>
    public string Outcome { get; }

    /// <summary>A request that does not fit: wrong shape, datatype, values or encoding.</summary>
    public static ProtocolException BadRequest(string message) => new(RequestOutcome.BadRequest, message);

    /// <summary>A model (or version) this server does not serve.</summary>
    public static ProtocolException UnknownModel(string message) => new(RequestOutcome.NotFound, message);

    /// <summary>A body past the server's limit (Kestrel's MaxRequestBodySize).</summary>
    public static ProtocolException TooLarge(string message) => new(RequestOutcome.TooLarge, message);
}
