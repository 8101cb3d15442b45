using System;

namespace Xception.Compiler.Serving.Batching;

/// <summary>One batch a <see cref="DynamicBatcher"/> ran, and where its worker's time went.</summary>
/// <param name="Images">Images in the one <c>Predict</c>.</param>
/// <param name="Requests">Requests whose images they were.</param>
/// <param name="Gather">From taking the batch's first request to taking its last (the max-delay wait, when the queue held too few).</param>
/// <param name="Assemble">Copying the requests' images into the batch input.</param>
/// <param name="Predict">The <c>Predict</c> itself.</param>
public sealed record BatchRun(int Images, int Requests, TimeSpan Gather, TimeSpan Assemble, TimeSpan Predict);
