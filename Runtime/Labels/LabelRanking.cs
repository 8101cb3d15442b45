using System;
using System.Collections.Generic;

namespace Xception.Compiler.Runtime.Labels;

/// <summary>One class of a model's output as a top-k list reports it: its name, its output index and its probability.</summary>
public readonly record struct RankedLabel(string Label, int Index, float Probability)
{
    /// <summary>"tulip 0.93".</summary>
    public override string ToString() => Label + " " + Probability.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The top-k helper behind a generated model's <c>TopK</c> (for models whose description declares <c>labels</c>).</summary>
public static class LabelRanking
{
    /// <summary>
    /// The <paramref name="k"/> most probable classes of one image's output, highest first (ties keep the lower
    /// index first); fewer when the model has fewer than <paramref name="k"/> classes.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="probabilities"/> does not hold one value per label.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is less than 1.</exception>
    public static RankedLabel[] TopK(IReadOnlyList<string> labels, ReadOnlySpan<float> probabilities, int k)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (probabilities.Length != labels.Count)
        {
            throw new ArgumentException(
                $"Expected one image's output of {labels.Count} values (one per label), but found {probabilities.Length}.", nameof(probabilities));
        }

        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"Expected k to be at least 1, but found {k}.");
        }

        int[] best = ImageNetLabels.TopIndices(probabilities, k);
        var result = new RankedLabel[best.Length];
        for (int i = 0; i < best.Length; i++)
        {
            result[i] = new RankedLabel(labels[best[i]], best[i], probabilities[best[i]]);
        }

        return result;
    }
}
