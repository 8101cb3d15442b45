using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// Average pooling, one output row per task, in two separable passes: the window's input rows are summed into one
/// row of column sums, then each output pixel sums its window's columns of that row (kh + kw adds per value instead of
/// kh·kw). Each sum is divided by the count of cells inside the input or the folded zero frame ('same' pads are not
/// counted); that region is a rectangle, so the count is rows × columns.
/// </summary>
internal sealed unsafe class AveragePoolJob : IParallelJob
{
    private readonly CpuBackend owner;
    public AveragePoolShape Shape;
    public float[]? Input, Output;

    public AveragePoolJob(CpuBackend owner) => this.owner = owner;

    public void Clear() => Input = Output = null;

    /// <summary>A task's scratch: one row of column sums (rounded up so the pointers after it stay aligned) and a pointer per tap of a window side.</summary>
    public static long ScratchFloats(in AveragePoolShape s) =>
        ChannelMath.RoundUp(s.InWidth * s.Channels, 16) + 2L * Math.Max(s.PoolHeight, s.PoolWidth);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        AveragePoolShape s = Shape;
        int n = task / s.OutHeight, oy = task % s.OutHeight;
        int c = s.Channels, rowFloats = s.InWidth * c;
        float* columnSums = owner.Scratch(worker, ScratchFloats(s));
        float** sources = (float**)(columnSums + ChannelMath.RoundUp(rowFloats, 16));
        float* image = Pointer(Input) + (long)n * s.InHeight * rowFloats;
        CpuIsa isa = owner.Isa;

        int rows = 0, countedRows = 0;
        for (int ky = 0; ky < s.PoolHeight; ky++)
        {
            int iy = oy * s.StrideHeight - s.PadTop + ky;
            if (iy >= -s.ZeroPadTop && iy < s.InHeight + s.ZeroPadBottom)
            {
                countedRows++;
            }

            if ((uint)iy < (uint)s.InHeight)
            {
                sources[rows++] = image + (long)iy * rowFloats;
            }
        }

        Sum(isa, sources, rows, 1f, columnSums, rowFloats);

        float* outputRow = Pointer(Output) + ((long)n * s.OutHeight + oy) * s.OutWidth * s.OutputPixelFloats;
        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            int columns = 0, countedColumns = 0;
            for (int kx = 0; kx < s.PoolWidth; kx++)
            {
                int ix = ox * s.StrideWidth - s.PadLeft + kx;
                if (ix >= -s.ZeroPadLeft && ix < s.InWidth + s.ZeroPadRight)
                {
                    countedColumns++;
                }

                if ((uint)ix < (uint)s.InWidth)
                {
                    sources[columns++] = columnSums + ix * c;
                }
            }

            Sum(isa, sources, columns, 1f / (countedRows * countedColumns), outputRow + (long)ox * s.OutputPixelFloats, c);
        }
    }

    /// <summary>dst = scale · Σ sources[t][0..n) over t &lt; count (zeros when count is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sum(CpuIsa isa, float** sources, int count, float scale, float* dst, int n)
    {
        int i = 0;
        if (isa == CpuIsa.Vector512)
        {
            Vector512<float> factor = Vector512.Create(scale);
            for (; i + 16 <= n; i += 16)
            {
                Vector512<float> sum = Vector512<float>.Zero;
                for (int t = 0; t < count; t++)
                {
                    sum += Vector512.Load(sources[t] + i);
                }

                (sum * factor).Store(dst + i);
            }
        }

        if (isa >= CpuIsa.Vector256)
        {
            Vector256<float> factor = Vector256.Create(scale);
            for (; i + 8 <= n; i += 8)
            {
                Vector256<float> sum = Vector256<float>.Zero;
                for (int t = 0; t < count; t++)
                {
                    sum += Vector256.Load(sources[t] + i);
                }

                (sum * factor).Store(dst + i);
            }
        }

        for (; i < n; i++)
        {
            float sum = 0f;
            for (int t = 0; t < count; t++)
            {
                sum += sources[t][i];
            }

            dst[i] = sum * scale;
        }
    }
}
