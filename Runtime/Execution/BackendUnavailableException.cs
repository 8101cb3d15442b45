using System;

namespace Xception.Compiler.Runtime.Execution;

/// <summary>The requested backend cannot run on this machine (for example: Cuda without an NVIDIA GPU).</summary>
public sealed class BackendUnavailableException : Exception
{
    public BackendUnavailableException()
    {
    }

    public BackendUnavailableException(string message)
        : base(message)
    {
    }

    public BackendUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The backend that was requested.</summary>
    public Backend? Requested { get; init; }
}
