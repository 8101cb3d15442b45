using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

internal sealed unsafe class ElementwiseJob : IParallelJob
{
    public const int PixelsPerTask = 256;
    private readonly CpuBackend owner;
    public ElementwiseShape Shape;
    public int Pixels;
    public float[]? Input, Output, Residual, Scale, Shift;

    public ElementwiseJob(CpuBackend owner) => this.owner = owner;

    public void Clear() => Input = Output = Residual = Scale = Shift = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        ElementwiseShape s = Shape;
        CpuIsa isa = owner.Isa;
        int end = Math.Min(Pixels, (task + 1) * PixelsPerTask);
        for (int p = task * PixelsPerTask; p < end; p++)
        {
            long at = (long)p * s.Channels;
            float* y = Pointer(Output) + at;
            ChannelMath.Copy(isa, y, Pointer(Input) + (long)p * s.InputPixelFloats, s.Channels, s.ReluInput != 0);
            if (Scale is not null)
            {
                ChannelMath.Multiply(isa, y, Pointer(Scale), 0f, s.Channels);
            }

            ChannelMath.Finish(isa, y, y, Pointer(Shift), Residual is null ? null : Pointer(Residual) + at, s.Channels, s.ReluOutput != 0);
        }
    }
}
