using ILGPU;
using ILGPU.Runtime;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>Keras Multiply: same shapes, or a per-channel factor broadcast over the pixels (squeeze-and-excitation).</summary>
internal static class MultiplyKernels
{
    /// <summary>Index space: batch × Pixels × Channels, one output value each.</summary>
    public static void Multiply(
        Index1D index,
        SpecializedValue<MultiplyShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> factor,
        ArrayView<float> output)
    {
        MultiplyShape s = shapeValue.Value;
        long at = index;
        if (s.PerChannel != 0)
        {
            int perImage = s.Pixels * s.Channels;
            int image = index / perImage;
            at = (long)image * s.Channels + index % s.Channels;
        }

        output[index] = input[index] * factor[at];
    }
}
