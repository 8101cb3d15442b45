using System;

namespace Xception.Compiler.Serving.Metrics;

/// <summary>
/// Where one answered inference request spent its time, in order; disjoint pieces of its latency, so they add
/// up to a little less than <c>xception_request_duration_seconds</c> (routing and the gaps between them).
/// </summary>
/// <param name="Read">Reading the request body.</param>
/// <param name="Decode">Parsing the JSON and decoding the tensor into model input.</param>
/// <param name="Queue">Waiting in the batcher's queue (for the running batch, and for the batches ahead of it).</param>
/// <param name="Batch">Its own batch: gathering, copying the inputs, Predict, handing out the outputs.</param>
/// <param name="Wake">From its outputs being handed over to its handler running again (thread-pool latency).</param>
/// <param name="Respond">Encoding and writing the response.</param>
public sealed record RequestStages(TimeSpan Read, TimeSpan Decode, TimeSpan Queue, TimeSpan Batch, TimeSpan Wake, TimeSpan Respond);
