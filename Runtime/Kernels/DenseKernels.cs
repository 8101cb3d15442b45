using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;
using Xception.Compiler.Runtime.Execution;
using static Xception.Compiler.Runtime.Kernels.KernelMath;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>A fully connected layer, kernel (In, Out).</summary>
internal static class DenseKernels
{
    /// <summary>
    /// One thread per (image, output feature). Index space: batch × Out. The dot product is summed in float64
    /// (a float × float product is exact there) and rounded once, in the order the Cpu backend sums it, as
    /// float32 running sums over Xception's 2,048 terms put most of the model's error into the logits.
    /// </summary>
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
        double sum = 0.0;
        for (int i = 0; i < s.InFeatures; i++)
        {
            sum += (double)Relu(input[x + i], s.ReluInput) * kernel[i * s.OutFeatures + o];
        }

        sum += bias[o];
        if (s.Activation != 0)
        {
            output[index] = (float)ActivationMath.Apply(s.Activation, sum, Interop.IntAsFloat((uint)s.ActivationParameter0),
                Interop.IntAsFloat((uint)s.ActivationParameter1), Interop.IntAsFloat((uint)s.ActivationParameter2));
            return;
        }

        output[index] = s.SigmoidOutput != 0 ? (float)(1.0 / (1.0 + XMath.Exp(-sum))) : Relu((float)sum, s.ReluOutput);
    }
}
