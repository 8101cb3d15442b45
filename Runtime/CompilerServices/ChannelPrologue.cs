using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// A per-channel transform a 1×1 convolution applies to its input as it loads it (its A rows), so the transformed
/// tensor never fills a buffer of its own: A[p, c] = relu?(x[p, c] · factor[n, c] · scale[c] + shift[c]), for pixel p
/// of image n. <see cref="Factor"/> is an activation slot holding one value per channel of each image (a squeeze-and-
/// excitation scale, written by an earlier step), -1 for none; <see cref="Scale"/> and <see cref="Shift"/> are
/// per-channel weights (a BatchNormalization folded at load), <see cref="WeightHandle.None"/> for none;
/// <see cref="Relu"/> is 1 for a ReLU after them. <see cref="InPixelStride"/>: the floats from one input pixel to the next
/// when the convolution reads the first InChannels channels of wider pixels (a DenseNet block's shared buffer); 0: InChannels.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly record struct ChannelPrologue(int Factor, WeightHandle Scale, WeightHandle Shift, int Relu, int InPixelStride = 0)
{
    /// <summary>x scaled by the per-image channel factor in slot <paramref name="factor"/> (squeeze-and-excitation).</summary>
    public static ChannelPrologue ScaledBy(int factor) => new(factor, WeightHandle.None, WeightHandle.None, 0);

    public bool HasFactor => Factor >= 0;
}
