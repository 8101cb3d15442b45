using ILGPU.Runtime;
using ILGPU;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>An activation function on every value (<see cref="ActivationMath"/> holds one device function per kind).</summary>
internal static class ActivationKernels
{
    /// <summary>
    /// out = f(x). Index space: batch × Length. The function is a specialized constant, so the switch in
    /// <see cref="ActivationMath.Apply"/> folds to the one function; the float parameters arrive as their bits.
    /// </summary>
    public static void Activation(
        Index1D index,
        SpecializedValue<ActivationShape> shapeValue,
        ArrayView<float> input,
        ArrayView<float> output)
    {
        ActivationShape s = shapeValue.Value;
        double p0 = Interop.IntAsFloat((uint)s.Parameter0);
        double p1 = Interop.IntAsFloat((uint)s.Parameter1);
        double p2 = Interop.IntAsFloat((uint)s.Parameter2);
        output[index] = (float)ActivationMath.Apply(s.Function, input[index], p0, p1, p2);
    }
}
