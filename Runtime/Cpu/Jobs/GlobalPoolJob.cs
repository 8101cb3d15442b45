using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

internal sealed unsafe class GlobalPoolJob : IParallelJob
{
    private readonly CpuBackend owner;
    public GlobalPoolShape Shape;
    public float[]? Input, Output;

    public GlobalPoolJob(CpuBackend owner) => this.owner = owner;

    public void Clear() => Input = Output = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        GlobalPoolShape s = Shape;
        CpuIsa isa = owner.Isa;
        int pixels = s.Height * s.Width;
        float* result = Pointer(Output) + (long)task * s.Channels;
        float* image = Pointer(Input) + (long)task * pixels * s.Channels;
        if (s.IsMax == 0)
        {
            WideSums.GlobalAverage(isa, image, pixels, s.Channels, s.ReluInput != 0, result);
            return;
        }

        new Span<float>(result, s.Channels).Fill(float.NegativeInfinity);
        for (int p = 0; p < pixels; p++)
        {
            ChannelMath.Max(isa, result, image + (long)p * s.Channels, s.Channels);
        }

        ChannelMath.Copy(isa, result, result, s.Channels, s.ReluInput != 0);
    }
}
