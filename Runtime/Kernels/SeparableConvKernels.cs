using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>A separable convolution block (depthwise KH×KW, then pointwise 1×1) in one dispatch.</summary>
internal static class SeparableConvKernels
{
    /// <summary>
    /// One thread per (image, output pixel, block of 8 output channels). For each input channel the
    /// depthwise tap sum is computed once in registers and folded into eight pointwise accumulators,
    /// so the depthwise result never touches memory. Index space: batch × OutH × OutW × ceil(Out/8).
    /// </summary>
    public static void Fused(
        Index1D index,
        SpecializedValue<SeparableConvShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> depthwise,
        ArrayView<float> pointwise,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        SeparableConvShape s = shapeValue.Value;
        int blocks = BlockCount(s.OutChannels);
        OutputPosition at = Position(index, blocks, s.OutWidth, s.OutHeight);
        int block = at.Inner, ox = at.X, oy = at.Y, n = at.Image;

        int channels = s.InChannels;
        int outChannels = s.OutChannels;
        int co = block * ChannelBlock;
        bool fullBlock = co + ChannelBlock <= outChannels;
        int iy0 = oy * s.StrideHeight - s.PadTop;
        int ix0 = ox * s.StrideWidth - s.PadLeft;
        int rowStride = s.InWidth * channels;
        // Base of the top-left tap (may lie in the padding; only valid taps are read).
        int tapBase = ((n * s.InHeight + iy0) * s.InWidth + ix0) * channels;

        bool r0 = iy0 >= 0 && iy0 < s.InHeight;
        bool r1 = iy0 + 1 >= 0 && iy0 + 1 < s.InHeight;
        bool r2 = iy0 + 2 >= 0 && iy0 + 2 < s.InHeight;
        bool c0 = ix0 >= 0 && ix0 < s.InWidth;
        bool c1 = ix0 + 1 >= 0 && ix0 + 1 < s.InWidth;
        bool c2 = ix0 + 2 >= 0 && ix0 + 2 < s.InWidth;

        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        for (int c = 0; c < channels; c++)
        {
            float d;
            if (s.KernelHeight == 3 && s.KernelWidth == 3)
            {
                // Straight-line 3×3 taps: ILGPU does not unroll loops.
                d = 0f;
                int p = tapBase + c;
                if (r0 && c0) d = depthwise[c] * Relu(input[p], s.ReluInput) + d;
                if (r0 && c1) d = depthwise[channels + c] * Relu(input[p + channels], s.ReluInput) + d;
                if (r0 && c2) d = depthwise[2 * channels + c] * Relu(input[p + 2 * channels], s.ReluInput) + d;
                p += rowStride;
                if (r1 && c0) d = depthwise[3 * channels + c] * Relu(input[p], s.ReluInput) + d;
                if (r1 && c1) d = depthwise[4 * channels + c] * Relu(input[p + channels], s.ReluInput) + d;
                if (r1 && c2) d = depthwise[5 * channels + c] * Relu(input[p + 2 * channels], s.ReluInput) + d;
                p += rowStride;
                if (r2 && c0) d = depthwise[6 * channels + c] * Relu(input[p], s.ReluInput) + d;
                if (r2 && c1) d = depthwise[7 * channels + c] * Relu(input[p + channels], s.ReluInput) + d;
                if (r2 && c2) d = depthwise[8 * channels + c] * Relu(input[p + 2 * channels], s.ReluInput) + d;
            }
            else
            {
                d = DepthwiseConvKernels.TapSum(
                    input, depthwise, tapBase + c, iy0, ix0, c, channels,
                    s.InHeight, s.InWidth, s.KernelHeight, s.KernelWidth, s.ReluInput);
            }

            d = DepthwiseStage(s, depthwise, c, d);
            int w = c * outChannels + co;
            if (fullBlock)
            {
                a0 = d * pointwise[w] + a0;
                a1 = d * pointwise[w + 1] + a1;
                a2 = d * pointwise[w + 2] + a2;
                a3 = d * pointwise[w + 3] + a3;
                a4 = d * pointwise[w + 4] + a4;
                a5 = d * pointwise[w + 5] + a5;
                a6 = d * pointwise[w + 6] + a6;
                a7 = d * pointwise[w + 7] + a7;
            }
            else
            {
                // Tail block (for example 91 = 11·8 + 3): read only the channels that exist.
                int count = outChannels - co;
                a0 = d * pointwise[w] + a0;
                if (count > 1) a1 = d * pointwise[w + 1] + a1;
                if (count > 2) a2 = d * pointwise[w + 2] + a2;
                if (count > 3) a3 = d * pointwise[w + 3] + a3;
                if (count > 4) a4 = d * pointwise[w + 4] + a4;
                if (count > 5) a5 = d * pointwise[w + 5] + a5;
                if (count > 6) a6 = d * pointwise[w + 6] + a6;
            }
        }

        int pixelBase = ((n * s.OutHeight + oy) * s.OutWidth + ox) * outChannels;
        StoreBlock(output, bias, residual, pixelBase, co, outChannels, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation,
            a0, a1, a2, a3, a4, a5, a6, a7);
    }

    /// <summary>
    /// The stage between depthwise and pointwise of a fused DepthwiseConv2D + 1×1 Conv2D: d + bias (stored after the
    /// KH·KW·C kernel floats), then the ReLU, bounded when DepthwiseReluMax is set; d itself otherwise (constants fold it away).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static float DepthwiseStage(SeparableConvShape s, ArrayView<float> depthwise, int c, float d)
    {
        if (s.DepthwiseBias != 0)
        {
            d += depthwise[s.KernelHeight * s.KernelWidth * s.InChannels + c];
        }

        return Relu(d, s.DepthwiseRelu, s.DepthwiseReluMax);
    }
}
