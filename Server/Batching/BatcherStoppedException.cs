using System;

namespace Xception.Compiler.Serving.Batching;

/// <summary>The batcher is stopping (the server shuts down) and takes no new requests (HTTP 503).</summary>
public sealed class BatcherStoppedException(string model)
    : Exception($"Model '{model}' is shutting down and takes no new requests.");
