using ILGPU;
using ILGPU.Runtime;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>Average pooling (Keras AveragePooling2D).</summary>
internal static class AveragePoolKernels
{
    /// <summary>
    /// One thread per output element. The sum is taken in float64 and rounded once, as the Cpu backend's global
    /// average is; the divisor counts the cells inside the input or the folded zero frame, never the pads of
    /// 'same'. Index space: batch × OutH × OutW × C.
    /// </summary>
    public static void AveragePool(
        Index1D index,
        SpecializedValue<AveragePoolShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> output)
    {
        AveragePoolShape s = shapeValue.Value;
        OutputPosition at = Position(index, s.Channels, s.OutWidth, s.OutHeight);
        int c = at.Inner, ox = at.X, oy = at.Y, n = at.Image;

        int iy0 = oy * s.StrideHeight - s.PadTop;
        int ix0 = ox * s.StrideWidth - s.PadLeft;
        double sum = 0.0;
        int count = 0;
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

                count++;
                if (rowInside && ix >= 0 && ix < s.InWidth)
                {
                    sum += input[((n * s.InHeight + iy) * s.InWidth + ix) * s.Channels + c];
                }
            }
        }

        output[s.OutPixelStride == 0 ? (int)index : (int)index / s.Channels * s.OutPixelStride + c] = (float)(sum / count);
    }
}
