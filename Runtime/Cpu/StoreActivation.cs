using System.Runtime.CompilerServices;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Cpu;

/// <summary>
/// The sigmoid or swish a convolution step applies in its store (the shapes' Activation field), in place over a block
/// of output the step has just written: <c>rows</c> runs of <c>columns</c> floats, <c>stride</c> floats apart.
/// The values are those <see cref="Jobs.ActivationJob"/> would compute (<see cref="SigmoidMath"/>, float64 inside).
/// </summary>
internal static unsafe class StoreActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Apply(CpuIsa isa, int function, float* c, int rows, int columns, int stride)
    {
        bool swish = function == (int)ActivationFunction.Swish;
        if (rows == 1 || columns == stride)
        {
            // Contiguous: one run, so the vector loop has no short tails per row.
            SigmoidMath.Apply(isa, c, c, rows * columns, swish);
            return;
        }

        for (int row = 0; row < rows; row++)
        {
            SigmoidMath.Apply(isa, c + (long)row * stride, c + (long)row * stride, columns, swish);
        }
    }
}
