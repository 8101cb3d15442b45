using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// A concatenation input copied into its channel slice, <see cref="PixelsPerTask"/> pixels per task: each pixel's
/// channels are one contiguous run in the input and in the output, so a pixel is one span copy.
/// </summary>
internal sealed class ChannelSliceJob : IParallelJob
{
    public const int PixelsPerTask = 1024;
    public ChannelSliceShape Shape;
    public int Pixels;
    public float[]? Input, Output;

    public void Clear() => Input = Output = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        ChannelSliceShape s = Shape;
        int start = task * PixelsPerTask;
        int end = Math.Min(Pixels, start + PixelsPerTask);
        float[] input = Input!, output = Output!;
        for (int p = start; p < end; p++)
        {
            input.AsSpan(p * s.Channels, s.Channels).CopyTo(output.AsSpan(p * s.OutChannels + s.OutChannelOffset, s.Channels));
        }
    }
}
