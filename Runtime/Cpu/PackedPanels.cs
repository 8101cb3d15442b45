using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// A K×N weight matrix (row-major: K inputs, N outputs; pointwise (C, Out), Conv2D HWIO as (KH·KW·Cin, Out),
/// Dense (In, Out)) repacked for the GEMM micro-kernel: panels of <see cref="Width"/> output columns, each
/// panel K rows of Width contiguous floats, columns past N zero. The kernel then streams one panel linearly.
/// </summary>
internal sealed unsafe class PackedPanels
{
    /// <summary>Output columns per panel: two Vector512 registers.</summary>
    public const int Width = 32;

    private readonly float[] storage;
    private readonly int offset;

    private PackedPanels(int k, int n, float[] storage, int offset)
    {
        K = k;
        N = n;
        this.storage = storage;
        this.offset = offset;
        Pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(storage)) + offset;
    }

    public int K { get; }

    public int N { get; }

    public int Panels => (N + Width - 1) / Width;

    /// <summary>Panels × K × Width floats.</summary>
    public Span<float> Data => storage.AsSpan(offset, Panels * K * Width);

    /// <summary>
    /// <see cref="Data"/> for the kernels: pinned (valid while this object lives) and 64-byte aligned, so each
    /// panel row of <see cref="Width"/> floats is two whole cache lines (see <see cref="CacheAligned"/>).
    /// </summary>
    public float* Pointer { get; }

    public static PackedPanels Pack(ReadOnlySpan<float> kn, int k, int n)
    {
        if (kn.Length != (long)k * n)
        {
            throw new ArgumentException($"A {k}×{n} weight matrix needs {(long)k * n} floats; the tensor has {kn.Length}.", nameof(kn));
        }

        int panels = (n + Width - 1) / Width;
        float[] storage = CacheAligned.Allocate((long)panels * k * Width, out int offset);
        Span<float> data = storage.AsSpan(offset);
        for (int p = 0; p < panels; p++)
        {
            int columns = Math.Min(Width, n - p * Width);
            for (int row = 0; row < k; row++)
            {
                kn.Slice(row * n + p * Width, columns).CopyTo(data.Slice((p * k + row) * Width, columns));
            }
        }

        return new PackedPanels(k, n, storage, offset);
    }

    /// <summary>The row-major K×N matrix back (for a handle later used by a step that reads raw weights).</summary>
    public float[] Unpack()
    {
        float[] kn = GC.AllocateArray<float>(K * N, pinned: true);
        for (int p = 0; p < Panels; p++)
        {
            int columns = Math.Min(Width, N - p * Width);
            for (int row = 0; row < K; row++)
            {
                Data.Slice((p * K + row) * Width, columns).CopyTo(kn.AsSpan(row * N + p * Width, columns));
            }
        }

        return kn;
    }
}
