using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using Xception.Compiler.Runtime.Execution;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>Softmax over each image's values.</summary>
internal static class SoftmaxKernels
{
    /// <summary>One thread per image (Length is small: 1000 classes). Subtracts the max before exp.</summary>
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

        float sum = 0f;
        for (int i = 0; i < length; i++)
        {
            float e = XMath.Exp(input[start + i] - max);
            output[start + i] = e;
            sum += e;
        }

        float inverse = 1f / sum;
        for (int i = 0; i < length; i++)
        {
            output[start + i] *= inverse;
        }
    }
}
