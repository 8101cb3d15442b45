using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>Softmax over each image's values.</summary>
internal static class SoftmaxKernels
{
    /// <summary>One thread per image (Length is small: 1000 classes). Subtracts the max before exp; the exponentials
    /// are computed twice rather than kept, so the kernel needs no scratch.</summary>
    public static void Softmax(
        Index1D index,
        SpecializedValue<SoftmaxShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> output)
    {
        int length = shapeValue.Value.Length;
        int start = index * length;
        float max = float.NegativeInfinity;
        for (int i = 0; i < length; i++)
        {
            float x = input[start + i];
            max = x > max ? x : max;
        }

        // In float64 and rounded once, as on the Cpu backend: the probabilities add no error of their own.
        double sum = 0.0;
        for (int i = 0; i < length; i++)
        {
            sum += XMath.Exp((double)input[start + i] - max);
        }

        double inverse = 1.0 / sum;
        for (int i = 0; i < length; i++)
        {
            output[start + i] = (float)(XMath.Exp((double)input[start + i] - max) * inverse);
        }
    }
}
