using System;

namespace Xception.Compiler.Serving.Batching;

/// <summary>Told of every batch a <see cref="DynamicBatcher"/> runs (metrics); called on the batcher's worker.</summary>
public interface IBatchObserver
{
    /// <summary>One <c>Predict</c> of <paramref name="images"/> images from <paramref name="requests"/> requests took <paramref name="elapsed"/>.</summary>
    void BatchRan(string model, int images, int requests, TimeSpan elapsed);
}
