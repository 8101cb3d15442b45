using System;
using System.Collections.Concurrent;
using Xception.Compiler.Serving.Batching;

namespace Xception.Compiler.Tests.Serving.Support;

/// <summary>Keeps every batch a batcher reports.</summary>
internal sealed class RecordingObserver : IBatchObserver
{
    public ConcurrentQueue<(int Images, int Requests)> Batches { get; } = new();

    public void BatchRan(string model, int images, int requests, TimeSpan elapsed) => Batches.Enqueue((images, requests));
}
