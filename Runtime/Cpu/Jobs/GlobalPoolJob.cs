using System;
using System.Runtime.CompilerServices;
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
        new Span<float>(result, s.Channels).Fill(s.IsMax != 0 ? float.NegativeInfinity : 0f);
        for (int p = 0; p < pixels; p++)
        {
            float* x = image + (long)p * s.Channels;
            if (s.IsMax != 0)
            {
                ChannelMath.Max(isa, result, x, s.Channels);
            }
            else
            {
                ChannelMath.Add(isa, result, x, s.Channels, s.ReluInput != 0);
            }
        }

        if (s.IsMax != 0)
        {
            ChannelMath.Copy(isa, result, result, s.Channels, s.ReluInput != 0);
        }
        else
        {
            ChannelMath.Multiply(isa, result, null, 1f / pixels, s.Channels);
        }
    }
}
