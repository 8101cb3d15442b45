using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>Per-channel affine map, ReLU and residual add.</summary>
internal static class ElementwiseKernels
{
    /// <summary>
    /// out = reluOut(reluIn(x)·scale[c] + shift[c] + residual), scale/shift only when HasScaleShift.
    /// Index space: batch × Length; input pixels InputPixelFloats apart.
    /// </summary>
    public static void Elementwise(
        Index1D index,
        SpecializedValue<ElementwiseShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> scale,
        ArrayView<float> shift,
        ArrayView<float> residual,
        ArrayView<float> output)
    {
        ElementwiseShape s = shapeValue.Value;
        int c = index % s.Channels;
        float x = Relu(input[s.InPixelStride == 0 ? (int)index : (int)index / s.Channels * s.InPixelStride + c], s.ReluInput);
        if (s.HasScaleShift != 0)
        {
            x = x * scale[c] + shift[c];
        }

        if (s.HasResidual != 0)
        {
            x += residual[index];
        }

        output[index] = Relu(x, s.ReluOutput);
    }
}
