using System;

namespace Xception.Compiler.Serving.Batching;

/// <summary>The batcher's queue holds its maximum of requests: the caller should retry later (HTTP 503).</summary>
public sealed class QueueFullException(string model, int capacity)
    : Exception($"The queue of model '{model}' is full ({capacity} requests waiting); retry later.")
{
    /// <summary>The queue's capacity, in requests.</summary>
    public int Capacity { get; } = capacity;
}
