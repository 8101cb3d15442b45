using System.Runtime.CompilerServices;
using ILGPU;

namespace Xception.Compiler.Runtime.Kernels;

/// <summary>
/// Scalar helpers shared by the ILGPU kernels. Flags arrive as specialized constants, so each branch
/// folds away in the compiled kernel.
/// </summary>
internal static class KernelMath
{
    /// <summary>Output channels per thread in the convolution kernels (eight scalar accumulators).</summary>
    public const int ChannelBlock = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float value, int enabled) =>
        enabled != 0 && value < 0f ? 0f : value;

    /// <summary>
    /// The output ReLU of a convolution's store, clamped to at most the float whose bits are <paramref name="maxBits"/>
    /// when they are not 0 (ReLU6); both arrive as specialized constants.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float value, int enabled, int maxBits)
    {
        float y = Relu(value, enabled);
        if (enabled != 0 && maxBits != 0)
        {
            float max = Interop.IntAsFloat((uint)maxBits);
            y = y > max ? max : y;
        }

        return y;
    }

    /// <summary>
    /// Splits a flat NHWC-order thread index over (image, output row, output column, innermost) into its parts;
    /// the innermost extent is channels, or blocks of channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static OutputPosition Position(int index, int inner, int outWidth, int outHeight)
    {
        int rest = index / inner;
        int x = rest % outWidth;
        rest /= outWidth;
        return new OutputPosition(rest / outHeight, rest % outHeight, x, index % inner);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BlockCount(int channels) => (channels + ChannelBlock - 1) / ChannelBlock;

    /// <summary>
    /// The fused epilogue of a block of up to eight output channels starting at <paramref name="channel"/>:
    /// out = activation(reluOut(acc + bias + residual)) (clamped by <paramref name="reluMax"/>'s bits, 0: none), skipping channels at or past <paramref name="channels"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreBlock(
        ArrayView<float> output, ArrayView<float> bias, ArrayView<float> residual,
        int pixelBase, int channel, int channels, int hasResidual, int reluOutput, int reluMax, int activation,
        float a0, float a1, float a2, float a3, float a4, float a5, float a6, float a7)
    {
        int count = channels - channel;
        Store(output, bias, residual, pixelBase, channel, hasResidual, reluOutput, reluMax, activation, a0);
        if (count > 1) Store(output, bias, residual, pixelBase, channel + 1, hasResidual, reluOutput, reluMax, activation, a1);
        if (count > 2) Store(output, bias, residual, pixelBase, channel + 2, hasResidual, reluOutput, reluMax, activation, a2);
        if (count > 3) Store(output, bias, residual, pixelBase, channel + 3, hasResidual, reluOutput, reluMax, activation, a3);
        if (count > 4) Store(output, bias, residual, pixelBase, channel + 4, hasResidual, reluOutput, reluMax, activation, a4);
        if (count > 5) Store(output, bias, residual, pixelBase, channel + 5, hasResidual, reluOutput, reluMax, activation, a5);
        if (count > 6) Store(output, bias, residual, pixelBase, channel + 6, hasResidual, reluOutput, reluMax, activation, a6);
        if (count > 7) Store(output, bias, residual, pixelBase, channel + 7, hasResidual, reluOutput, reluMax, activation, a7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(
        ArrayView<float> output, ArrayView<float> bias, ArrayView<float> residual,
        int pixelBase, int channel, int hasResidual, int reluOutput, int reluMax, int activation, float accumulator)
    {
        int at = pixelBase + channel;
        float value = accumulator + bias[channel];
        if (hasResidual != 0)
        {
            value += residual[at];
        }

        output[at] = Activate(Relu(value, reluOutput, reluMax), activation);
    }

    /// <summary>
    /// The store's last function (the shapes' Activation, a specialized constant): sigmoid or swish in float64, rounded
    /// once, as the activation kernels compute it; the value itself for 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Activate(float value, int activation) =>
        activation != 0 ? (float)ActivationMath.Apply(activation, value, 0.0, 0.0, 0.0) : value;
}

/// <summary>Where a thread's output lies: image, output row and column, and the innermost index (channel or channel block).</summary>
internal readonly struct OutputPosition
{
    public OutputPosition(int image, int y, int x, int inner)
    {
        Image = image;
        Y = y;
        X = x;
        Inner = inner;
    }

    public int Image { get; }

    public int Y { get; }

    public int X { get; }

    public int Inner { get; }
}
