using System;
using System.Collections.Generic;
using System.IO;
using PureHDF;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// Writes deterministic random weights for a <see cref="WeightTable"/> as a Keras 2 <c>save_weights</c>
/// file, for tests and benchmarks that must not depend on the real (large, downloaded) weights.
/// </summary>
internal static class SyntheticWeights
{
    /// <summary>
    /// Writes a Keras-2-layout <c>.h5</c>: root attributes <c>layer_names</c> (the table's layer names, only the
    /// weighted layers), <c>backend</c> = "tensorflow", <c>keras_version</c> = "2.0.8"; per layer a group with
    /// attribute <c>weight_names</c> = <c>&lt;layer&gt;/&lt;var&gt;:0</c>, ... and datasets at
    /// <c>&lt;layer&gt;/&lt;layer&gt;/&lt;var&gt;:0</c>. Strings are variable-length (PureHDF's default), which
    /// <see cref="KerasWeightFile"/> reads as it reads h5py's fixed-length ones.
    /// </summary>
    /// <remarks>
    /// Values come from a SplitMix64 generator seeded with <paramref name="seed"/> (its bits do not depend on
    /// the .NET version, unlike System.Random; normals use Math.Log/Sin/Cos, which a platform may round
    /// differently in the last bit), with magnitudes that keep a full Xception finite: conv and pointwise kernels
    /// N(0,1)·0.65·√(2/fan_in) (fan_in = product of all dimensions but the last), depthwise kernels N(0,1)/3,
    /// gamma U(0.8,1.2), beta N(0,0.1), moving_mean N(0,0.1), moving_variance U(0.5,1.5),
    /// dense kernel N(0,1)·4/√in, biases N(0,0.05). The file is written under a temporary name in the same
    /// folder and then moved over <paramref name="path"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">Two layers have the same name, or a variable is not a Keras weight name.</exception>
    public static void WriteKeras2File(string path, WeightTable table, int seed)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(table);

        var random = new SplitMix64((ulong)(uint)seed ^ 0x5DEECE66DUL);
        var file = new H5File();
        var layerNames = new string[table.Layers.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < table.Layers.Count; k++)
        {
            WeightLayer layer = table.Layers[k];
            if (layer.LayerName.Length == 0 || layer.LayerName.Contains('/') || !seen.Add(layer.LayerName))
            {
                throw new ArgumentException("Layer " + k + " has the name '" + layer.LayerName + "', which is empty, contains '/' or is used twice.", nameof(table));
            }

            layerNames[k] = layer.LayerName;
            var weightNames = new string[layer.Datasets.Count];
            var scope = new H5Group();
            for (int d = 0; d < layer.Datasets.Count; d++)
            {
                WeightDataset dataset = layer.Datasets[d];
                string datasetName = dataset.Variable + ":0";
                weightNames[d] = layer.LayerName + "/" + datasetName;
                float[] values = Generate(random, layer, dataset);
                scope[datasetName] = new H5Dataset<float[]>(values, fileDims: Array.ConvertAll(dataset.Shape, s => (ulong)s));
            }

            var group = new H5Group();
            if (weightNames.Length > 0)
            {
                group.Attributes["weight_names"] = weightNames;
                group[layer.LayerName] = scope;
            }
            else
            {
                // What h5py writes for Keras's `weight_names = []`: a float64 attribute of shape (0,).
                group.Attributes["weight_names"] = new H5Attribute(Array.Empty<double>(), new ulong[] { 0 });
            }

            file[layer.LayerName] = group;
        }

        file.Attributes["layer_names"] = layerNames;
        file.Attributes["backend"] = "tensorflow";
        file.Attributes["keras_version"] = "2.0.8";

        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath) ?? ".";
        string temp = Path.Combine(folder, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            file.Write(temp);
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
                // The original error matters more than a leftover temporary file.
            }

            throw;
        }
    }

    private static float[] Generate(SplitMix64 random, WeightLayer layer, WeightDataset dataset)
    {
        long count = dataset.ElementCount;
        if (count > Array.MaxLength)
        {
            throw new ArgumentException("Dataset '" + dataset.Variable + "' of layer '" + layer.LayerName + "' has too many elements.", nameof(dataset));
        }

        var values = new float[count];
        int[] shape = dataset.Shape;
        switch (dataset.Variable)
        {
            case "kernel" when layer.KerasClass == "Dense":
                Normal(random, values, 4.0 / Math.Sqrt(Math.Max(1, shape.Length > 0 ? shape[0] : 1)));
                break;
            case "kernel":
            case "pointwise_kernel":
                Normal(random, values, 0.65 * Math.Sqrt(2.0 / FanIn(shape)));
                break;
            case "depthwise_kernel":
                Normal(random, values, 1.0 / 3.0);
                break;
            case "gamma":
                Uniform(random, values, 0.8, 1.2);
                break;
            case "beta":
            case "moving_mean":
                Normal(random, values, 0.1);
                break;
            case "moving_variance":
                Uniform(random, values, 0.5, 1.5);
                break;
            case "bias":
                Normal(random, values, 0.05);
                break;
            default:
                throw new ArgumentException(
                    "Layer '" + layer.LayerName + "' has variable '" + dataset.Variable + "', which is not a Keras 2 weight name "
                    + "(kernel, bias, depthwise_kernel, pointwise_kernel, gamma, beta, moving_mean, moving_variance).",
                    nameof(layer));
        }

        return values;
    }

    private static double FanIn(int[] shape)
    {
        double fanIn = 1;
        for (int i = 0; i < shape.Length - 1; i++)
        {
            fanIn *= shape[i];
        }

        return Math.Max(1, fanIn);
    }

    private static void Normal(SplitMix64 random, float[] values, double sigma)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextNormal() * sigma);
        }
    }

    private static void Uniform(SplitMix64 random, float[] values, double low, double high)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(low + (high - low) * random.NextDouble());
        }
    }

    /// <summary>
    /// Deterministic model inputs, uniform in [-1, 1): SplitMix64 seeded with <paramref name="seed"/>, the 24 high
    /// bits of each draw per value. The benchmarks and the GPU checker feed every engine the same images with it.
    /// </summary>
    public static float[] RandomInput(int length, ulong seed)
    {
        var random = new SplitMix64(seed);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextUInt64() >> 40) * (2.0 / (1UL << 24)) - 1.0);
        }

        return values;
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fixed by its definition.</summary>
    private sealed class SplitMix64
    {
        private ulong _state;
        private double? _spare;

        public SplitMix64(ulong seed) => _state = seed;

        public ulong NextUInt64()
        {
            ulong z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        /// <summary>Standard normal by the Box–Muller transform (pairs; the second value is kept for the next call).</summary>
        public double NextNormal()
        {
            if (_spare is double spare)
            {
                _spare = null;
                return spare;
            }

            double u1 = 1.0 - NextDouble(); // (0, 1]: log stays finite
            double u2 = NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            double angle = 2.0 * Math.PI * u2;
            _spare = radius * Math.Sin(angle);
            return radius * Math.Cos(angle);
        }
    }
}
