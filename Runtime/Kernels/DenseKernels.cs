using ILGPU;
using ILGPU.Runtime;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>A fully connected layer, kernel (In, Out).</summary>
internal static class DenseKernels
{
    /// <summary>One thread per (image, output feature). Index space: batch × Out.</summary>
    public static void Dense(
        Index1D index,
        SpecializedValue<DenseShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> kernel,
        ArrayView<float> bias,
        ArrayView<float> output)
    {
        DenseShape s = shapeValue.Value;
        int o = index % s.OutFeatures;
        int n = index / s.OutFeatures;
        int x = n * s.InFeatures;
        float sum = 0f;
        for (int i = 0; i < s.InFeatures; i++)
        {
            sum = Relu(input[x + i], s.ReluInput) * kernel[i * s.OutFeatures + o] + sum;
        }

        output[index] = Relu(sum + bias[o], s.ReluOutput);
    }
}
