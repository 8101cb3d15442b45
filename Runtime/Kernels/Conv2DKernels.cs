using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>A dense 2-D convolution, kernel HWIO.</summary>
internal static class Conv2DKernels
{
    /// <summary>
    /// One thread per (image, output pixel, block of 8 output channels), eight scalar accumulators.
    /// Index space: batch × OutH × OutW × ceil(Out/8).
    /// </summary>
    public static void Conv2D(
        Index1D index,
        SpecializedValue<Conv2DShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> kernel,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        Conv2DShape s = shapeValue.Value;
        int blocks = BlockCount(s.OutChannels);
        OutputPosition at = Position(index, blocks, s.OutWidth, s.OutHeight);
        int block = at.Inner, ox = at.X, oy = at.Y, n = at.Image;

        int inChannels = s.InChannels;
        int outChannels = s.OutChannels;
        int co = block * ChannelBlock;
        int count = outChannels - co;
        int iy0 = oy * s.StrideHeight - s.PadTop;
        int ix0 = ox * s.StrideWidth - s.PadLeft;

        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        for (int ky = 0; ky < s.KernelHeight; ky++)
        {
            int iy = iy0 + ky;
            if (iy < 0 || iy >= s.InHeight)
            {
                continue;
            }

            for (int kx = 0; kx < s.KernelWidth; kx++)
            {
                int ix = ix0 + kx;
                if (ix < 0 || ix >= s.InWidth)
                {
                    continue;
                }

                int pixel = ((n * s.InHeight + iy) * s.InWidth + ix) * inChannels;
                int tap = (ky * s.KernelWidth + kx) * inChannels;
                for (int ci = 0; ci < inChannels; ci++)
                {
                    float x = Relu(input[pixel + ci], s.ReluInput);
                    int w = (tap + ci) * outChannels + co;
                    if (count >= ChannelBlock)
                    {
                        a0 = x * kernel[w] + a0;
                        a1 = x * kernel[w + 1] + a1;
                        a2 = x * kernel[w + 2] + a2;
                        a3 = x * kernel[w + 3] + a3;
                        a4 = x * kernel[w + 4] + a4;
                        a5 = x * kernel[w + 5] + a5;
                        a6 = x * kernel[w + 6] + a6;
                        a7 = x * kernel[w + 7] + a7;
                    }
                    else
                    {
                        a0 = x * kernel[w] + a0;
                        if (count > 1) a1 = x * kernel[w + 1] + a1;
                        if (count > 2) a2 = x * kernel[w + 2] + a2;
                        if (count > 3) a3 = x * kernel[w + 3] + a3;
                        if (count > 4) a4 = x * kernel[w + 4] + a4;
                        if (count > 5) a5 = x * kernel[w + 5] + a5;
                        if (count > 6) a6 = x * kernel[w + 6] + a6;
                    }
                }
            }
        }

        int pixelBase = ((n * s.OutHeight + oy) * s.OutWidth + ox) * s.OutputPixelFloats;
        StoreBlock(output, bias, residual, pixelBase, co, outChannels, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation,
            a0, a1, a2, a3, a4, a5, a6, a7);
    }
}
