using System;
using System.Buffers;

namespace Xception.Compiler.Serving.Http;

/// <summary>
/// A request body read into a buffer rented from <see cref="ArrayPool{T}.Shared"/>: an inference body is about
/// 1 MB per image, and a fresh array of that size per request lands on the large object heap, whose
/// collections are full (gen 2) ones. Dispose returns the buffer; nothing may read it afterwards.
/// </summary>
internal sealed class PooledBody : IDisposable
{
    private byte[]? _rented;

    public PooledBody(byte[] rented, int length, bool pooled)
    {
        _rented = pooled ? rented : null;
        Memory = rented.AsMemory(0, length);
    }

    /// <summary>The body's bytes.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    public void Dispose()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
