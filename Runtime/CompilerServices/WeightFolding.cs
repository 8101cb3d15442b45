using System;
using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// Folds inference-mode BatchNormalization (<c>gamma·(x − mean)/√(var + ε) + beta</c>) into the
/// preceding convolution or dense layer. Scales are computed in double and rounded once to float.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WeightFolding
{
    /// <summary>
    /// Returns the kernel and bias of <c>BN(conv(x) + bias)</c> as one layer. The output channel of kernel
    /// element <c>i</c> is <c>i % channels</c>, which holds for HWIO conv kernels (kh, kw, in, out), pointwise
    /// kernels (1, 1, in, out), dense kernels (in, out) and depthwise kernels (kh, kw, C, 1) with channels = C.
    /// The inputs are not modified; new arrays are returned.
    /// </summary>
    /// <param name="kernel">The kernel, row-major, last dimension the output channel.</param>
    /// <param name="channels">The number of output channels (the BN width).</param>
    /// <param name="bias">The layer's bias, or null for a layer without one (taken as 0).</param>
    /// <param name="gamma">BN scale.</param>
    /// <param name="beta">BN offset.</param>
    /// <param name="mean">BN moving mean.</param>
    /// <param name="variance">BN moving variance.</param>
    /// <param name="epsilon">BN epsilon (Keras 2 default 1e-3).</param>
    /// <exception cref="ArgumentException">A length does not fit <paramref name="channels"/>.</exception>
    public static (float[] Kernel, float[] Bias) FoldBatchNorm(
        float[] kernel, int channels, float[]? bias, float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        float[] folded = (float[])kernel.Clone();
        float[] foldedBias = FoldBatchNormInPlace(folded, channels, bias, gamma, beta, mean, variance, epsilon);
        return (folded, foldedBias);
    }

    /// <summary>
    /// <see cref="FoldBatchNorm"/> that scales <paramref name="kernel"/> in place (generated code folds the
    /// arrays it has just read, so no second copy of the weights exists during load) and returns the new bias.
    /// Nothing is changed when an argument is rejected.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not fit <paramref name="channels"/>.</exception>
    public static float[] FoldBatchNormInPlace(
        float[] kernel, int channels, float[]? bias, float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (channels <= 0)
        {
            throw new ArgumentException("channels must be positive, found " + channels + ".", nameof(channels));
        }

        if (kernel.Length == 0 || kernel.Length % channels != 0)
        {
            throw new ArgumentException(
                "kernel length " + kernel.Length + " is not a positive multiple of channels " + channels + ".", nameof(kernel));
        }

        if (bias is not null)
        {
            CheckLength(bias, channels, nameof(bias));
        }

        double[] scale = Scales(gamma, variance, epsilon, channels);
        CheckLength(beta, channels, nameof(beta));
        CheckLength(mean, channels, nameof(mean));

        // Row by row instead of i % channels per element: the same products, without a division for each of
        // Xception's 22 million weights at load (Benchmarks/RESULTS.md, "Cold start, third round").
        Span<float> values = kernel;
        for (int row = 0; row < values.Length; row += channels)
        {
            Span<float> line = values.Slice(row, channels);
            for (int c = 0; c < line.Length; c++)
            {
                line[c] = (float)(line[c] * scale[c]);
            }
        }

        var foldedBias = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double b = bias is null ? 0.0 : bias[c];
            foldedBias[c] = (float)((b - mean[c]) * scale[c] + beta[c]);
        }

        return foldedBias;
    }

    /// <summary>
    /// The per-channel affine form <c>y = x·Scale + Shift</c> of an inference-mode BN that cannot be folded
    /// into a preceding layer: <c>Scale = gamma/√(var + ε)</c>, <c>Shift = beta − mean·Scale</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The four arrays differ in length.</exception>
    public static (float[] Scale, float[] Shift) BatchNormScaleShift(float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(gamma);
        int channels = gamma.Length;
        double[] scale = Scales(gamma, variance, epsilon, channels);
        CheckLength(beta, channels, nameof(beta));
        CheckLength(mean, channels, nameof(mean));

        var s = new float[channels];
        var shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            s[c] = (float)scale[c];
            shift[c] = (float)(beta[c] - mean[c] * scale[c]);
        }

        return (s, shift);
    }

    /// <summary>The gamma of a BatchNormalization built with <c>scale=False</c>, which has none (Keras then multiplies by 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="channels"/> is negative.</exception>
    public static float[] UnitScale(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channels);
        var ones = new float[channels];
        Array.Fill(ones, 1f);
        return ones;
    }

    /// <summary>
    /// A depthwise kernel with its per-channel bias after it, in one upload: what a separable step fused from a
    /// DepthwiseConv2D (+ BN) and a 1×1 Conv2D reads (<see cref="SeparableConvShape"/>'s DepthwiseBias).
    /// </summary>
    /// <exception cref="ArgumentException">The kernel's length is not a positive multiple of the bias's.</exception>
    public static float[] KernelThenBias(float[] kernel, float[] bias)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(bias);
        if (bias.Length == 0 || kernel.Length == 0 || kernel.Length % bias.Length != 0)
        {
            throw new ArgumentException(
                "depthwise kernel length " + kernel.Length + " is not a positive multiple of its bias's length " + bias.Length + " (channels).", nameof(bias));
        }

        var joined = new float[kernel.Length + bias.Length];
        kernel.CopyTo(joined, 0);
        bias.CopyTo(joined, kernel.Length);
        return joined;
    }

    private static double[] Scales(float[] gamma, float[] variance, float epsilon, int channels)
    {
        CheckLength(gamma, channels, nameof(gamma));
        CheckLength(variance, channels, nameof(variance));
        var scale = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt((double)variance[c] + epsilon);
        }

        return scale;
    }

    private static void CheckLength(float[] values, int channels, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Length != channels)
        {
            throw new ArgumentException(name + " has length " + values.Length + ", expected " + channels + " (channels).", name);
        }
    }
}
