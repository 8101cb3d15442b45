using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// The depthwise half of a separable step for a tile of output pixels, written as the GEMM's A rows: the fp32
/// <see cref="Jobs.ConvolutionJob{TGeometry}"/> and the int8 <see cref="Jobs.Int8SeparableJob"/> build their A tile
/// the same way. Generic over the geometry's source so that a generated step's shape stays a JIT constant here.
/// </summary>
internal static unsafe class DepthwiseARows
{
    /// <summary>
    /// Rows [0, <paramref name="count"/>) of <paramref name="a"/> (<paramref name="lda"/> floats apart): the depthwise
    /// outputs of output pixels <paramref name="q0"/>… over the batch's input <paramref name="x"/>, then the stage
    /// between depthwise and pointwise (bias, ReLU) on those rows while they are in cache. <paramref name="tapX"/> and
    /// <paramref name="tapW"/> are scratch for a pixel's taps (kernel height × width ints each).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Build<TGeometry>(CpuIsa isa, in ConvolutionGeometry geometry, float* x, float* w, int q0, int count, float* a, int lda, int* tapX, int* tapW)
        where TGeometry : struct, IGeometrySource
    {
        ConvolutionGeometry g = TGeometry.IsConstant ? TGeometry.Geometry : geometry;
        int inH = g.InHeight, inW = g.InWidth, inC = g.InChannels, outW = g.OutWidth;
        int kh = g.KernelHeight, kw = g.KernelWidth, sh = g.StrideHeight, sw = g.StrideWidth, padTop = g.PadTop, padLeft = g.PadLeft;
        bool reluIn = g.ReluInput;
        int imagePixels = g.OutHeight * outW;
        long inImage = (long)inH * inW * inC;
        bool runs = kh == 3 && kw == 3;
        int lastInteriorX = (inW - kw + padLeft) / sw;
        for (int row = 0; row < count; row++)
        {
            int q = q0 + row;
            int n = q / imagePixels, rem = q % imagePixels;
            int oy = rem / outW, ox = rem % outW;
            float* image = x + n * inImage;
            float* dst = a + (long)row * lda;
            if (runs && ox * sw - padLeft >= 0 && ox <= lastInteriorX)
            {
                // The pixels of this output row whose taps need no left/right padding, in one pass.
                int length = Math.Min(Math.Min(outW, lastInteriorX + 1) - ox, count - row);
                float* first = image + (ox * sw - padLeft) * inC;
                int iy0 = oy * sh - padTop;

                // The input row the next output row adds (the other two are read now): into L2 while this row is
                // computed. The previous step's output has left L2 for L3 or DRAM by now, and the depthwise pass
                // otherwise waits on it a cache line at a time (the A/B is in Benchmarks/RESULTS.md).
                if ((uint)(iy0 + sh + 2) < (uint)inH)
                {
                    PrefetchToL2(image + (long)(iy0 + sh + 2) * inW * inC, (long)inW * inC);
                }

                ChannelMath.Depthwise3x3Run(isa,
                    (uint)iy0 < (uint)inH ? first + (long)iy0 * inW * inC : null,
                    (uint)(iy0 + 1) < (uint)inH ? first + (long)(iy0 + 1) * inW * inC : null,
                    (uint)(iy0 + 2) < (uint)inH ? first + (long)(iy0 + 2) * inW * inC : null,
                    w, inC, length, sw * inC, lda, dst, reluIn);
                row += length - 1;
                continue;
            }

            int valid = 0;
            for (int ky = 0; ky < kh; ky++)
            {
                int iy = oy * sh - padTop + ky;
                if ((uint)iy >= (uint)inH)
                {
                    continue;
                }

                for (int kx = 0; kx < kw; kx++)
                {
                    int ix = ox * sw - padLeft + kx;
                    if ((uint)ix < (uint)inW)
                    {
                        tapX[valid] = (iy * inW + ix) * inC;
                        tapW[valid] = (ky * kw + kx) * inC;
                        valid++;
                    }
                }
            }

            ChannelMath.DepthwisePixel(isa, image, tapX, tapW, valid, w, dst, inC, reluIn);
        }

        // The stage between depthwise and pointwise (a DepthwiseConv2D + BN + ReLU6 fused with its 1×1 conv): on the
        // tile's A rows while they are in cache, so the depthwise result never goes to a full-size buffer.
        if (g.DepthwiseBias || g.DepthwiseRelu)
        {
            float* depthwiseBias = g.DepthwiseBias ? w + kh * kw * inC : null;
            for (int row = 0; row < count; row++)
            {
                ChannelMath.Finish(isa, a + (long)row * lda, a + (long)row * lda, depthwiseBias, null, inC, g.DepthwiseRelu, g.DepthwiseReluMax);
            }
        }
    }

    /// <summary>Asks for <paramref name="floats"/> floats from <paramref name="start"/> in L2, a cache line at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchToL2(float* start, long floats)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        for (long at = 0; at < floats; at += 64 / sizeof(float))
        {
            Sse.Prefetch1(start + at);
        }
    }
}
