namespace Xception.Compiler.Serving.Batching;

/// <summary>Told of every batch a <see cref="DynamicBatcher"/> runs (metrics); called on the batcher's worker.</summary>
public interface IBatchObserver
{
    /// <summary>The batcher of <paramref name="model"/> ran <paramref name="run"/>.</summary>
    void BatchRan(string model, BatchRun run);
}
