using System.Numerics;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// Average pooling, one output row per task: the window's in-bounds taps are summed over the channels in one pass
/// and divided by the count of cells inside the input or the folded zero frame ('same' pads are not counted).
/// </summary>
internal sealed unsafe class AveragePoolJob : IParallelJob
{
    private readonly CpuBackend owner;
    public AveragePoolShape Shape;
    public float[]? Input, Output;

    public AveragePoolJob(CpuBackend owner) => this.owner = owner;

    public void Clear() => Input = Output = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        AveragePoolShape s = Shape;
        int n = task / s.OutHeight, oy = task % s.OutHeight;
        int* tapX = (int*)owner.Scratch(worker, s.PoolHeight * s.PoolWidth);
        float* image = Pointer(Input) + (long)n * s.InHeight * s.InWidth * s.Channels;
        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            int taps = 0, count = 0;
            for (int ky = 0; ky < s.PoolHeight; ky++)
            {
                int iy = oy * s.StrideHeight - s.PadTop + ky;
                for (int kx = 0; kx < s.PoolWidth; kx++)
                {
                    int ix = ox * s.StrideWidth - s.PadLeft + kx;
                    if (iy >= -s.ZeroPadTop && iy < s.InHeight + s.ZeroPadBottom && ix >= -s.ZeroPadLeft && ix < s.InWidth + s.ZeroPadRight)
                    {
                        count++;
                        if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth)
                        {
                            tapX[taps++] = (iy * s.InWidth + ix) * s.Channels;
                        }
                    }
                }
            }

            float* dst = Pointer(Output) + (((long)n * s.OutHeight + oy) * s.OutWidth + ox) * s.OutputPixelFloats;
            Average(image, tapX, taps, 1f / count, dst, s.Channels);
        }
    }

    private static void Average(float* image, int* tapX, int taps, float inverseCount, float* dst, int channels)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<float>.Count <= channels; i += Vector<float>.Count)
            {
                Vector<float> sum = Vector<float>.Zero;
                for (int t = 0; t < taps; t++)
                {
                    sum += Unsafe.ReadUnaligned<Vector<float>>(image + tapX[t] + i);
                }

                Unsafe.WriteUnaligned(dst + i, sum * inverseCount);
            }
        }

        for (; i < channels; i++)
        {
            float sum = 0f;
            for (int t = 0; t < taps; t++)
            {
                sum += image[tapX[t] + i];
            }

            dst[i] = sum * inverseCount;
        }
    }
}
