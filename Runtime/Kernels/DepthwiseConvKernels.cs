using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>A depthwise convolution alone (multiplier 1).</summary>
internal static class DepthwiseConvKernels
{
    /// <summary>One thread per output element. Index space: batch × OutH × OutW × C.</summary>
    public static void Depthwise(
        Index1D index,
        SpecializedValue<DepthwiseConvShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> kernel,
        ArrayView<float> bias,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        DepthwiseConvShape s = shapeValue.Value;
        OutputPosition at = Position(index, s.Channels, s.OutWidth, s.OutHeight);
        int c = at.Inner, ox = at.X, oy = at.Y, n = at.Image;

        int iy0 = oy * s.StrideHeight - s.PadTop;
        int ix0 = ox * s.StrideWidth - s.PadLeft;
        int tapBase = ((n * s.InHeight + iy0) * s.InWidth + ix0) * s.Channels + c;
        float sum = TapSum(input, kernel, tapBase, iy0, ix0, c, s.Channels,
            s.InHeight, s.InWidth, s.KernelHeight, s.KernelWidth, s.ReluInput);
        Store(output, bias, residual, index - c, c, s.HasResidual, s.ReluOutput, s.ReluMax, s.Activation, sum);
    }

    /// <summary>
    /// The depthwise sum of one channel over a KH×KW window whose top-left tap is at (iy0, ix0) and
    /// at <paramref name="tapBase"/> in <paramref name="input"/>; taps outside the image contribute 0.
    /// </summary>
    internal static float TapSum(
        ArrayView<float> input, ArrayView<float> kernel, int tapBase, int iy0, int ix0, int c, int channels,
        int inHeight, int inWidth, int kernelHeight, int kernelWidth, int reluInput)
    {
        float sum = 0f;
        for (int ky = 0; ky < kernelHeight; ky++)
        {
            int iy = iy0 + ky;
            if (iy < 0 || iy >= inHeight)
            {
                continue;
            }

            for (int kx = 0; kx < kernelWidth; kx++)
            {
                int ix = ix0 + kx;
                if (ix < 0 || ix >= inWidth)
                {
                    continue;
                }

                float x = Relu(input[tapBase + (ky * inWidth + kx) * channels], reluInput);
                sum = kernel[(ky * kernelWidth + kx) * channels + c] * x + sum;
            }
        }

        return sum;
    }
}
