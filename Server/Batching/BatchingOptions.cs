using System;

namespace Xception.Compiler.Serving.Batching;

/// <summary>How a <see cref="DynamicBatcher"/> coalesces requests.</summary>
public sealed record BatchingOptions
{
    /// <summary>The most images one <c>Predict</c> runs; a single request with more images runs alone.</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>How long the first request of a batch waits for others to join it.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>The most requests waiting; one more is rejected (<see cref="QueueFullException"/>).</summary>
    public int MaxQueue { get; init; } = 256;

    /// <summary>
    /// Run one Predict of <see cref="MaxBatch"/> zero images on the batcher's thread before the first request, and
    /// report ready only after it (as Triton's <c>model_warmup</c>): the first clients then meet neither the JIT
    /// nor first-touch page faults of the batch buffers. Off by default, so a test's stand-in model sees only its
    /// own requests.
    /// </summary>
    public bool WarmUp { get; init; }

    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range; the message names it.</exception>
    public void Validate()
    {
        if (MaxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, $"MaxBatch must be at least 1, found {MaxBatch}.");
        }

        if (MaxDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, $"MaxDelay must not be negative, found {MaxDelay}.");
        }

        if (MaxQueue < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueue), MaxQueue, $"MaxQueue must be at least 1, found {MaxQueue}.");
        }
    }
}
