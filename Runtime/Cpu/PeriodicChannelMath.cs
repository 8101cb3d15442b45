using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// Elementwise arithmetic over a run of whole pixels whose channels are too few for one register (an image's 3
/// colour channels): the run is read as one flat array, and the per-channel factors come as a period of
/// <see cref="Period"/>(channels) floats (the channels repeated), so every register holds a whole number of lanes
/// of that period. Per pixel calls of <see cref="ChannelMath"/> would run 3-float loops, all of them scalar tails.
/// The operations and their order are those of <see cref="ChannelMath.Copy"/>, <see cref="ChannelMath.Multiply"/>
/// and <see cref="ChannelMath.Finish"/>, so the results are the same bits.
/// </summary>
internal static unsafe class PeriodicChannelMath
{
    /// <summary>Channels below this go through the periodic path; from it on, a pixel fills a register.</summary>
    public const int MaxChannels = 16;

    /// <summary>Floats in one period: 16 pixels, so that the period is a whole number of 512- and 256-bit registers.</summary>
    public static int Period(int channels) => 16 * channels;

    /// <summary>periodic[k] = perChannel[k mod channels] for k in [0, Period(channels)).</summary>
    public static void Tile(float* perChannel, int channels, float* periodic)
    {
        int period = Period(channels);
        for (int k = 0; k < period; k++)
        {
            periodic[k] = perChannel[k % channels];
        }
    }

    /// <summary>
    /// dst = reluOut(reluIn(x) · scale + shift + residual) over <paramref name="count"/> floats that start on a
    /// pixel boundary; scale, shift (both periodic) and residual may be null; dst may equal x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(CpuIsa isa, float* dst, float* x, float* scale, float* shift, float* residual, long count, int period, bool reluIn, bool reluOut)
    {
        long j = 0;
        if (isa == CpuIsa.Vector512)
        {
            for (; j + period <= count; j += period)
            {
                for (int k = 0; k < period; k += 16)
                {
                    Vector512<float> y = Vector512.Load(x + j + k);
                    y = reluIn ? Vector512.Max(y, Vector512<float>.Zero) : y;
                    if (scale != null)
                    {
                        y *= Vector512.Load(scale + k);
                    }

                    if (shift != null)
                    {
                        y += Vector512.Load(shift + k);
                    }

                    if (residual != null)
                    {
                        y += Vector512.Load(residual + j + k);
                    }

                    (reluOut ? Vector512.Max(y, Vector512<float>.Zero) : y).Store(dst + j + k);
                }
            }
        }
        else if (isa == CpuIsa.Vector256)
        {
            for (; j + period <= count; j += period)
            {
                for (int k = 0; k < period; k += 8)
                {
                    Vector256<float> y = Vector256.Load(x + j + k);
                    y = reluIn ? Vector256.Max(y, Vector256<float>.Zero) : y;
                    if (scale != null)
                    {
                        y *= Vector256.Load(scale + k);
                    }

                    if (shift != null)
                    {
                        y += Vector256.Load(shift + k);
                    }

                    if (residual != null)
                    {
                        y += Vector256.Load(residual + j + k);
                    }

                    (reluOut ? Vector256.Max(y, Vector256<float>.Zero) : y).Store(dst + j + k);
                }
            }
        }

        // What is left (all of it on the scalar path) starts on a period boundary: period by period, the last one cut short.
        for (; j < count; j += period)
        {
            for (int k = 0; k < period && j + k < count; k++)
            {
                Element(dst + j + k, x + j + k, scale == null ? null : scale + k, shift == null ? null : shift + k,
                    residual == null ? null : residual + j + k, reluIn, reluOut);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Element(float* dst, float* x, float* scale, float* shift, float* residual, bool reluIn, bool reluOut)
    {
        float y = *x;
        y = reluIn && y < 0f ? 0f : y;
        if (scale != null)
        {
            y *= *scale;
        }

        if (shift != null)
        {
            y += *shift;
        }

        if (residual != null)
        {
            y += *residual;
        }

        *dst = reluOut && y < 0f ? 0f : y;
    }
}
