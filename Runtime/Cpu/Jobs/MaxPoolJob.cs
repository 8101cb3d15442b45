using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

internal sealed unsafe class MaxPoolJob : IParallelJob
{
    private readonly CpuBackend owner;
    public MaxPoolShape Shape;
    public float[]? Input, Output, Residual;

    public MaxPoolJob(CpuBackend owner) => this.owner = owner;

    public void Clear() => Input = Output = Residual = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        MaxPoolShape s = Shape;
        int n = task / s.OutHeight, oy = task % s.OutHeight;
        int* tapX = (int*)owner.Scratch(worker, s.PoolHeight * s.PoolWidth);
        float* image = Pointer(Input) + (long)n * s.InHeight * s.InWidth * s.Channels;
        for (int ox = 0; ox < s.OutWidth; ox++)
        {
            int taps = 0;
            bool zero = false;
            for (int ky = 0; ky < s.PoolHeight; ky++)
            {
                int iy = oy * s.StrideHeight - s.PadTop + ky;
                for (int kx = 0; kx < s.PoolWidth; kx++)
                {
                    int ix = ox * s.StrideWidth - s.PadLeft + kx;
                    if ((uint)iy < (uint)s.InHeight && (uint)ix < (uint)s.InWidth)
                    {
                        tapX[taps++] = (iy * s.InWidth + ix) * s.Channels;
                    }
                    else if (iy >= -s.ZeroPadTop && iy < s.InHeight + s.ZeroPadBottom && ix >= -s.ZeroPadLeft && ix < s.InWidth + s.ZeroPadRight)
                    {
                        // A cell of a folded ZeroPadding2D: a zero the max may select (a 'same' pad never is).
                        zero = true;
                    }
                }
            }

            // max(relu(x)) = relu(max(x)): the input ReLU is applied once, after the max.
            long pixel = ((long)n * s.OutHeight + oy) * s.OutWidth + ox;
            long at = pixel * s.Channels;
            ChannelMath.MaxPoolPixel(owner.Isa, image, tapX, taps, Residual is null ? null : Pointer(Residual) + at,
                Pointer(Output) + pixel * s.OutputPixelFloats, s.Channels, s.ReluInput != 0, s.ReluOutput != 0, zero);
        }
    }
}
