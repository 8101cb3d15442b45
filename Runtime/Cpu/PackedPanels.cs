using System;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// A K×N weight matrix (row-major: K inputs, N outputs; pointwise (C, Out), Conv2D HWIO as (KH·KW·Cin, Out),
/// Dense (In, Out)) repacked for the GEMM micro-kernel: panels of <see cref="Width"/> output columns, each
/// panel K rows of Width contiguous floats, columns past N zero. The kernel then streams one panel linearly.
/// </summary>
internal sealed class PackedPanels
{
    /// <summary>Output columns per panel: two Vector512 registers.</summary>
    public const int Width = 32;

    private PackedPanels(int k, int n, float[] data)
    {
        K = k;
        N = n;
        Data = data;
    }

    public int K { get; }

    public int N { get; }

    public int Panels => (N + Width - 1) / Width;

    /// <summary>Panels × K × Width floats, pinned (kernels read it through pointers).</summary>
    public float[] Data { get; }

    public static PackedPanels Pack(ReadOnlySpan<float> kn, int k, int n)
    {
        if (kn.Length != (long)k * n)
        {
            throw new ArgumentException($"A {k}×{n} weight matrix needs {(long)k * n} floats; the tensor has {kn.Length}.", nameof(kn));
        }

        int panels = (n + Width - 1) / Width;
        float[] data = GC.AllocateArray<float>(panels * k * Width, pinned: true);
        for (int p = 0; p < panels; p++)
        {
            int columns = Math.Min(Width, n - p * Width);
            for (int row = 0; row < k; row++)
            {
                kn.Slice(row * n + p * Width, columns).CopyTo(data.AsSpan((p * k + row) * Width, columns));
            }
        }

        return new PackedPanels(k, n, data);
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
                Data.AsSpan((p * K + row) * Width, columns).CopyTo(kn.AsSpan(row * N + p * Width, columns));
            }
        }

        return kn;
    }
}
