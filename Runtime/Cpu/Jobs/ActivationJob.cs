using System;
using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Kernels;
using static Xception.Compiler.Runtime.Cpu.PinnedArray;

namespace Xception.Compiler.Runtime.Cpu.Jobs;

/// <summary>
/// An activation function over a batch's values, in runs of <see cref="ValuesPerTask"/>, through the same float64
/// device functions the ILGPU kernels use (<see cref="ActivationMath"/>): the function switch is hoisted out of
/// the run, so each run is one tight scalar loop. Sigmoid and swish (EfficientNet's, millions of values an image)
/// take <see cref="SigmoidMath"/>'s vector loop instead, which rounds the same float64 value once. May run in place.
/// </summary>
internal sealed unsafe class ActivationJob : IParallelJob
{
    public const int ValuesPerTask = 4096;
    private readonly CpuIsa isa;
    public ActivationShape Shape;
    public int Count;
    public float[]? Input, Output;

    /// <param name="isa">The backend's instruction set, fixed for its life.</param>
    public ActivationJob(CpuIsa isa) => this.isa = isa;

    public void Clear() => Input = Output = null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int task, int worker)
    {
        ActivationShape s = Shape;
        int start = task * ValuesPerTask;
        int end = Math.Min(Count, start + ValuesPerTask);
        if (s.Function is (int)ActivationFunction.Sigmoid or (int)ActivationFunction.Swish)
        {
            SigmoidMath.Apply(isa, Pointer(Input) + start, Pointer(Output) + start, end - start, s.Function == (int)ActivationFunction.Swish);
            return;
        }

        Apply(s, Input.AsSpan(start, end - start), Output.AsSpan(start, end - start));
    }

    /// <summary>y = f(x) value by value (x and y may be the same memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(in ActivationShape s, ReadOnlySpan<float> x, Span<float> y)
    {
        double p0 = BitConverter.Int32BitsToSingle(s.Parameter0);
        double p1 = BitConverter.Int32BitsToSingle(s.Parameter1);
        double p2 = BitConverter.Int32BitsToSingle(s.Parameter2);
        switch ((ActivationFunction)s.Function)
        {
            case ActivationFunction.Relu:
                for (int i = 0; i < x.Length; i++)
                {
                    y[i] = (float)ActivationMath.Relu(x[i], p0, p1, p2);
                }

                break;
            default:
                for (int i = 0; i < x.Length; i++)
                {
                    y[i] = (float)ActivationMath.Apply(s.Function, x[i], p0, p1, p2);
                }

                break;
        }
    }
}
