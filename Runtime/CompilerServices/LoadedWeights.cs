using System;
using System.Collections.Generic;
using System.ComponentModel;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime.CompilerServices;

/// <summary>
/// The weights read from a Keras file by <see cref="KerasWeightFile.Load"/>: for the k-th layer of the
/// <see cref="WeightTable"/> and its d-th dataset, the values in row-major order as stored (float32).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LoadedWeights
{
    private readonly float[][][] _data;
    private readonly string[] _fileLayerNames;

    internal LoadedWeights(string filePath, WeightTable table, string[] fileLayerNames, float[][][] data)
    {
        FilePath = filePath;
        Table = table;
        _fileLayerNames = fileLayerNames;
        _data = data;
    }

    /// <summary>The file the weights were read from.</summary>
    public string FilePath { get; }

    /// <summary>The table the file was checked against.</summary>
    public WeightTable Table { get; }

    /// <summary>The number of layers with weights (equal to <c>Table.Layers.Count</c>).</summary>
    public int LayerCount => _data.Length;

    /// <summary>The names of the weighted layers as the file has them (Keras-1 names for the official files).</summary>
    public IReadOnlyList<string> FileLayerNames => _fileLayerNames;

    /// <summary>
    /// The values of dataset <paramref name="dataset"/> of weighted layer <paramref name="layer"/> (row-major, as stored).
    /// The array itself is returned, not a copy: fold or transform into new arrays.
    /// </summary>
    public float[] this[int layer, int dataset]
    {
        get
        {
            if ((uint)layer >= (uint)_data.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(layer), layer, "The file has " + _data.Length + " layers with weights.");
            }

            float[][] datasets = _data[layer];
            if ((uint)dataset >= (uint)datasets.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Layer " + layer + " has " + datasets.Length + " datasets.");
            }

            return datasets[dataset] ?? throw new InvalidOperationException(
                "Dataset " + dataset + " of layer " + layer + " (" + Table.Layers[layer].LayerName + ") was taken by Take; it is no longer held here.");
        }
    }

    /// <summary>
    /// Returns the array of a dataset and lets go of it, so the caller owns the only reference (it may be
    /// changed in place, and it is freed as soon as the caller drops it). Generated code takes each kernel
    /// as it uploads it, which keeps one copy of the weights alive during load instead of two.
    /// </summary>
    /// <exception cref="InvalidOperationException">The dataset was taken before.</exception>
    public float[] Take(int layer, int dataset)
    {
        float[] values = this[layer, dataset];
        _data[layer][dataset] = null!;
        return values;
    }

    /// <summary>The number of datasets of weighted layer <paramref name="layer"/>.</summary>
    public int DatasetCount(int layer) => _data[layer].Length;
}
