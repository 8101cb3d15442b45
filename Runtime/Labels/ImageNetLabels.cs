using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace Xception.Compiler.Runtime.Labels;

/// <summary>One ImageNet class as Keras's <c>decode_predictions</c> reports it.</summary>
public readonly record struct ImageNetClass(int Index, string WordNetId, string Label);

/// <summary>A ranked prediction: class and probability.</summary>
public readonly record struct Prediction(int Rank, ImageNetClass Class, float Probability);

/// <summary>Keras's ImageNet class index (<c>imagenet_class_index.json</c>), embedded in this assembly.</summary>
public static class ImageNetLabels
{
    private const string ResourceName = "Xception.Compiler.Runtime.imagenet_class_index.json";

    private static readonly Lazy<IReadOnlyList<ImageNetClass>> s_classes = new(ReadEmbeddedIndex);

    /// <summary>The 1000 classes, in output order.</summary>
    public static IReadOnlyList<ImageNetClass> Classes => s_classes.Value;

    /// <summary>
    /// The <paramref name="top"/> most probable classes of one image's 1000 outputs, highest first
    /// (ties keep the lower class index first, as a stable sort would).
    /// </summary>
    public static Prediction[] Decode(ReadOnlySpan<float> probabilities, int top = 5)
    {
        if (probabilities.Length != Classes.Count)
        {
            throw new ArgumentException(
                $"Expected {Classes.Count} ImageNet probabilities, found {probabilities.Length}.", nameof(probabilities));
        }

        int[] best = TopIndices(probabilities, top);
        var result = new Prediction[best.Length];
        for (int i = 0; i < best.Length; i++)
        {
            result[i] = new Prediction(i + 1, Classes[best[i]], probabilities[best[i]]);
        }

        return result;
    }

    /// <summary>Indices of the <paramref name="top"/> largest values, largest first.</summary>
    public static int[] TopIndices(ReadOnlySpan<float> values, int top)
    {
        if (top < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(top), top, "top must be at least 1.");
        }

        int count = Math.Min(top, values.Length);
        var indices = new int[values.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            indices[i] = i;
        }

        float[] keys = values.ToArray();
        Array.Sort(indices, (a, b) =>
        {
            int byValue = keys[b].CompareTo(keys[a]);
            return byValue != 0 ? byValue : a.CompareTo(b);
        });
        return indices.AsSpan(0, count).ToArray();
    }

    private static IReadOnlyList<ImageNetClass> ReadEmbeddedIndex()
    {
        using Stream stream = typeof(ImageNetLabels).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing.");
        using JsonDocument document = JsonDocument.Parse(stream);
        var classes = new ImageNetClass[document.RootElement.EnumerateObject().Count()];
        foreach (JsonProperty entry in document.RootElement.EnumerateObject())
        {
            int index = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
            classes[index] = new ImageNetClass(index, entry.Value[0].GetString()!, entry.Value[1].GetString()!);
        }

        return classes;
    }
}
