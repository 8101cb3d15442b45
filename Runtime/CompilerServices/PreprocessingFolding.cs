using System;
using System.ComponentModel;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// Keras's preprocessing layers as the per-channel <c>y = x·Scale + Shift</c> an elementwise step applies.
/// Computed in double and rounded once to float.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PreprocessingFolding
{
    /// <summary>
    /// Keras's <c>Normalization</c> divides by <c>max(√variance, backend.epsilon())</c>, epsilon 1e-7, in
    /// tf.keras 2.x (keras/layers/preprocessing/normalization.py) and Keras 3 (keras/src/layers/preprocessing/normalization.py).
    /// </summary>
    public const double NormalizationEpsilon = 1e-7;

    /// <summary><c>Rescaling(scale, offset)</c>: <c>x·scale + offset</c>, each one value or one per channel (offset may be empty: 0).</summary>
    /// <exception cref="ArgumentException">A list has neither 1 nor <paramref name="channels"/> values.</exception>
    public static (float[] Scale, float[] Shift) Rescaling(double[] scale, double[] offset, int channels)
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(offset);
        var s = new float[channels];
        var shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            s[c] = (float)At(scale, c, channels, nameof(scale));
            shift[c] = offset.Length == 0 ? 0f : (float)At(offset, c, channels, nameof(offset));
        }

        return (s, shift);
    }

    /// <summary>A <c>Normalization</c> with its mean and variance in the description: one value, or one per channel.</summary>
    /// <exception cref="ArgumentException">A list has neither 1 nor <paramref name="channels"/> values.</exception>
    public static (float[] Scale, float[] Shift) Normalization(double[] mean, double[] variance, int channels)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        var s = new float[channels];
        var shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double scale = 1.0 / Math.Max(Math.Sqrt(At(variance, c, channels, nameof(variance))), NormalizationEpsilon);
            s[c] = (float)scale;
            shift[c] = (float)(-At(mean, c, channels, nameof(mean)) * scale);
        }

        return (s, shift);
    }

    /// <summary>An adapted <c>Normalization</c>: its <c>mean</c> and <c>variance</c> datasets, one value per channel.</summary>
    /// <exception cref="ArgumentException">The two differ in length.</exception>
    public static (float[] Scale, float[] Shift) Normalization(float[] mean, float[] variance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(variance);
        if (mean.Length != variance.Length)
        {
            throw new ArgumentException("variance has length " + variance.Length + ", expected " + mean.Length + " (the mean's).", nameof(variance));
        }

        return Normalization(Array.ConvertAll(mean, m => (double)m), Array.ConvertAll(variance, v => (double)v), mean.Length);
    }

    private static double At(double[] values, int channel, int channels, string name)
    {
        if (values.Length == 1)
        {
            return values[0];
        }

        if (values.Length != channels)
        {
            throw new ArgumentException(name + " has " + values.Length + " values, expected 1 or " + channels + " (channels).", name);
        }

        return values[channel];
    }
}
