using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// One A row of a 1×1 convolution with a channel prologue (<see cref="CompilerServices.ChannelPrologue"/>):
/// dst[c] = relu?(src[c] · factor[c] · scale[c] + shift[c]), any of factor, scale and shift null for none.
/// Written straight from the input pixel into the tile's scratch rows, so the transformed tensor is never stored.
/// </summary>
internal static unsafe class ChannelPrologueMath
{
    /// <summary>
    /// How many pixels ahead of the row being built <see cref="Prefetch"/> is called: a DenseNet block's buffer at 56×56
    /// (3.2 MB) is read from L3 or DRAM a channel prefix per pixel, and the hardware prefetcher alone left the 1×1
    /// steps waiting on it (the A/B is in Benchmarks/RESULTS.md).
    /// </summary>
    public const int PrefetchPixels = 4;

    /// <summary>Asks for the first <paramref name="n"/> floats at <paramref name="pixel"/> in L1 (a prefetch never faults, even past the buffer's end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(float* pixel, int n)
    {
        if (Sse.IsSupported)
        {
            for (int i = 0; i < n; i += 64 / sizeof(float))
            {
                Sse.Prefetch0(pixel + i);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Apply(CpuIsa isa, float* dst, float* src, float* factor, float* scale, float* shift, int n, bool relu)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> y = Vector512.Load(src + i);
                if (factor != null)
                {
                    y *= Vector512.Load(factor + i);
                }

                if (scale != null)
                {
                    y *= Vector512.Load(scale + i);
                }

                if (shift != null)
                {
                    y += Vector512.Load(shift + i);
                }

                (relu ? Vector512.Max(y, Vector512<float>.Zero) : y).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> y = Vector256.Load(src + i);
                if (factor != null)
                {
                    y *= Vector256.Load(factor + i);
                }

                if (scale != null)
                {
                    y *= Vector256.Load(scale + i);
                }

                if (shift != null)
                {
                    y += Vector256.Load(shift + i);
                }

                (relu ? Vector256.Max(y, Vector256<float>.Zero) : y).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            float y = src[i];
            if (factor != null)
            {
                y *= factor[i];
            }

            if (scale != null)
            {
                y *= scale[i];
            }

            if (shift != null)
            {
                y += shift[i];
            }

            dst[i] = relu && y < 0f ? 0f : y;
        }
    }
}
