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
        if (s.Channels < PeriodicChannelMath.MaxChannels && s.InputPixelFloats == s.Channels)
        {
            ExecutePeriodic(s, isa, task * PixelsPerTask, end, worker);
            return;
        }

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

    /// <summary>Pixels [first, end) of a step with fewer channels than a register (the preprocessing's 3) as one flat run.</summary>
    private void ExecutePeriodic(in ElementwiseShape s, CpuIsa isa, int first, int end, int worker)
    {
        int period = PeriodicChannelMath.Period(s.Channels);
        float* scale = null, shift = null;
        if (Scale is not null || Shift is not null)
        {
            float* periodic = owner.Scratch(worker, 2 * period);
            if (Scale is not null)
            {
                scale = periodic;
                PeriodicChannelMath.Tile(Pointer(Scale), s.Channels, scale);
            }

            if (Shift is not null)
            {
                shift = periodic + period;
                PeriodicChannelMath.Tile(Pointer(Shift), s.Channels, shift);
            }
        }

        long at = (long)first * s.Channels;
        PeriodicChannelMath.ScaleShift(isa, Pointer(Output) + at, Pointer(Input) + at, scale, shift, Residual is null ? null : Pointer(Residual) + at,
            (long)(end - first) * s.Channels, period, s.ReluInput != 0, s.ReluOutput != 0);
    }
}
