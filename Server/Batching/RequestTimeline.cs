using System;
using System.Diagnostics;

namespace Xception.Compiler.Serving.Batching;

/// <summary>
/// When a batcher queued, started and finished one request (<see cref="Stopwatch"/> timestamps, 0 until
/// reached), so that its handler can tell queueing from the batch's own time and from its own wake-up.
/// </summary>
public sealed class RequestTimeline
{
    /// <summary>Entered the queue.</summary>
    public long Queued { get; internal set; }

    /// <summary>Its batch took it (the batch's inputs are copied and run from here).</summary>
    public long Started { get; internal set; }

    /// <summary>Its batch finished and its outputs were handed over.</summary>
    public long Completed { get; internal set; }

    /// <summary>From entering the queue to its batch taking it.</summary>
    public TimeSpan QueueWait => Stopwatch.GetElapsedTime(Queued, Started);

    /// <summary>From its batch taking it to its outputs (gathering the rest of the batch, copying, Predict).</summary>
    public TimeSpan BatchTime => Stopwatch.GetElapsedTime(Started, Completed);
}
