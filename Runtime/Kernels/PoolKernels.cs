using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>Max pooling and global pooling.</summary>
internal static class PoolKernels
{
    /// <summary>
    /// One thread per output element; the pads of 'same' are never selected, the zeros of a folded ZeroPadding2D
    /// frame are. Index space: batch × OutH × OutW × C.
    /// </summary>
    public static void MaxPool(
        Index1D index,
        SpecializedValue<MaxPoolShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        MaxPoolShape s = shapeValue.Value;
        OutputPosition at = Position(index, s.Channels, s.OutWidth, s.OutHeight);
        int c = at.Inner, ox = at.X, oy = at.Y, n = at.Image;

        int iy0 = oy * s.StrideHeight - s.PadTop;
        int ix0 = ox * s.StrideWidth - s.PadLeft;
        float best = float.NegativeInfinity;
        for (int ky = 0; ky < s.PoolHeight; ky++)
        {
            int iy = iy0 + ky;
            if (iy < -s.ZeroPadTop || iy >= s.InHeight + s.ZeroPadBottom)
            {
                continue;
            }

            bool rowInside = iy >= 0 && iy < s.InHeight;
            for (int kx = 0; kx < s.PoolWidth; kx++)
            {
                int ix = ix0 + kx;
                if (ix < -s.ZeroPadLeft || ix >= s.InWidth + s.ZeroPadRight)
                {
                    continue;
                }

                float x = rowInside && ix >= 0 && ix < s.InWidth
                    ? Relu(input[((n * s.InHeight + iy) * s.InWidth + ix) * s.Channels + c], s.ReluInput)
                    : 0f;
                best = x > best ? x : best;
            }
        }

        if (s.HasResidual != 0)
        {
            best += residual[index];
        }

        output[s.OutPixelStride == 0 ? (int)index : (int)index / s.Channels * s.OutPixelStride + c] = Relu(best, s.ReluOutput);
    }

    /// <summary>Global average or max pooling; output (batch, C). Index space: batch × C.</summary>
    public static void GlobalPool(
        Index1D index,
        SpecializedValue<GlobalPoolShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> output)
    {
        GlobalPoolShape s = shapeValue.Value;
        int c = index % s.Channels;
        int n = index / s.Channels;
        int pixels = s.Height * s.Width;
        int at = n * pixels * s.Channels + c;
        // The average's sum in float64, rounded once, as the Cpu backend sums it.
        float result = float.NegativeInfinity;
        double sum = 0.0;
        for (int p = 0; p < pixels; p++)
        {
            float x = Relu(input[at], s.ReluInput);
            if (s.IsMax != 0)
            {
                result = x > result ? x : result;
            }
            else
            {
                sum += x;
            }

            at += s.Channels;
        }

        output[index] = s.IsMax != 0 ? result : (float)(sum / pixels);
    }
}
