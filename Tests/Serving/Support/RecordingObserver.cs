using System.Collections.Concurrent;
using Xception.Compiler.Serving.Batching;

namespace Xception.Compiler.Tests.Serving.Support;

/// <summary>Keeps every batch a batcher reports.</summary>
internal sealed class RecordingObserver : IBatchObserver
{
    public ConcurrentQueue<BatchRun> Batches { get; } = new();

    public void BatchRan(string model, BatchRun run) => Batches.Enqueue(run);
}
