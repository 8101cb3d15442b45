using System;
using System.Buffers;

namespace Xception.Compiler.Serving.Protocol;

/// <summary>
/// An inference request that fits its model: the images and how the answer is wanted. The images lie in a
/// buffer rented from <see cref="ArrayPool{T}.Shared"/> (about 1 MB per image, which would otherwise be a
/// large-object allocation per request); Dispose returns it, once the batcher is done with the images.
/// </summary>
public sealed class InferenceRequest : IDisposable
{
    private float[]? _rented;

    /// <param name="id">The request's <c>id</c>, echoed in the response; null when it had none.</param>
    /// <param name="rented">Holds the images in its first <paramref name="length"/> floats; from <see cref="ArrayPool{T}.Shared"/>.</param>
    /// <param name="length">Count × InputLength.</param>
    /// <param name="count">Images in the request (the first dimension of its shape).</param>
    /// <param name="binaryOutput">The output goes back as binary tensor data instead of JSON numbers.</param>
    internal InferenceRequest(string? id, float[] rented, int length, int count, bool binaryOutput)
    {
        _rented = rented;
        Id = id;
        Images = rented.AsMemory(0, length);
        Count = count;
        BinaryOutput = binaryOutput;
    }

    /// <summary>The request's <c>id</c>, echoed in the response; null when it had none.</summary>
    public string? Id { get; }

    /// <summary>Count × InputLength floats, NHWC.</summary>
    public ReadOnlyMemory<float> Images { get; }

    /// <summary>Images in the request (the first dimension of its shape).</summary>
    public int Count { get; }

    /// <summary>The output goes back as binary tensor data instead of JSON numbers.</summary>
    public bool BinaryOutput { get; }

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
