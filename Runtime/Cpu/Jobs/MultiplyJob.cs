using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// Keras Multiply, <see cref="PixelsPerTask"/> pixels per task: out = x · factor, where the factor is the same
/// tensor shape or, for a squeeze-and-excitation scale, one run of Channels values per image reused at every pixel.
/// </summary>
internal sealed class MultiplyJob : IParallelJob
{
    public const int PixelsPerTask = 256;
    public MultiplyShape Shape;
    public int Pixels;
    public float[]? Input, Factor, Output;

    public void Clear() => Input = Factor = Output = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        MultiplyShape s = Shape;
        int start = task * PixelsPerTask;
        int end = Math.Min(Pixels, start + PixelsPerTask);
        float[] input = Input!, factor = Factor!, output = Output!;
        if (s.PerChannel == 0)
        {
            int from = start * s.Channels, count = (end - start) * s.Channels;
            Product(input.AsSpan(from, count), factor.AsSpan(from, count), output.AsSpan(from, count));
            return;
        }

        for (int p = start; p < end; p++)
        {
            int image = p / s.Pixels;
            Product(input.AsSpan(p * s.Channels, s.Channels), factor.AsSpan(image * s.Channels, s.Channels), output.AsSpan(p * s.Channels, s.Channels));
        }
    }

    /// <summary>y = x · f value by value, a vector at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Product(ReadOnlySpan<float> x, ReadOnlySpan<float> f, Span<float> y)
    {
        int i = 0;
        for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(x.Slice(i)) * new Vector<float>(f.Slice(i))).CopyTo(y.Slice(i));
        }

        for (; i < x.Length; i++)
        {
            y[i] = x[i] * f[i];
        }
    }
}
