using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PureHDF;
using Xception.Compiler.Runtime.CompilerServices;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// Reads Keras weight files the way Keras's <c>load_weights(path)</c> does with <c>by_name=False</c>:
/// the k-th layer of the file that has weights goes to the k-th layer of the <see cref="WeightTable"/>.
/// Every format Keras users have is accepted through one format-detecting entry
/// (<see cref="KerasH5Structure.Open"/>): legacy <c>.h5</c> from <c>save_weights</c> or <c>model.save</c>
/// (<c>/model_weights</c>, nested models flattened, chunked <c>layer_names0…</c>), Keras 3 <c>.weights.h5</c>
/// and <c>.keras</c> archives (read in memory). The README's "Weight files" part gives the order relied on. Names are never
/// required to match (the official Xception files use Keras-1 names such as <c>convolution2d_3</c>);
/// counts and shapes are checked exactly, before any data is read.
/// </summary>
/// <remarks>
/// Stored types: float32 is read as is; float64 and float16 datasets are converted to float32 (rounding
/// to nearest, ties to even; bfloat16, the top half of a float32, exactly; a finite float64 value beyond the float32 range is rejected rather than turned
/// into infinity); any other type is rejected with a <see cref="WeightFileException"/>. An uncompressed
/// dataset whose declared size exceeds the file is rejected before anything of that size is allocated.
/// See <c>fixtures/KERAS_H5_LAYOUT.md</c> and <c>KERAS_FORMATS.md</c> for the layouts this reads.
/// </remarks>
public static class KerasWeightFile
{
    /// <summary>Loads the weights of <paramref name="expected"/> from the file at <paramref name="path"/>, by order.</summary>
    /// <exception cref="System.IO.FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">
    /// The file is not HDF5, is not a Keras weight file, is damaged, or does not fit <paramref name="expected"/>
    /// (number of layers with weights, number of datasets of a layer, a shape, an unsupported type).
    /// </exception>
    public static LoadedWeights Load(string path, WeightTable expected)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(expected);

        using KerasH5Structure file = KerasH5Structure.Open(path);
        IReadOnlyList<KerasH5Layer> fileLayers = file.LayersFor(expected);
        int layerCount = expected.Layers.Count;
        if (fileLayers.Count != layerCount)
        {
            bool legacy = file.Format is KerasWeightFormat.LegacyWeights or KerasWeightFormat.LegacyFullModel;
            throw WeightFileException.Create(
                path,
                "expected " + Count(layerCount, "layer") + " with weights (model '" + expected.ModelName + "'), found "
                + fileLayers.Count.ToString(CultureInfo.InvariantCulture) + (legacy ? " in 'layer_names' (" : " (")
                + Count(file.LayerCount, "layer") + " in all)" + CountHint(expected, fileLayers.Count) + ".");
        }

        // Check every layer's datasets (count, shape, type) before reading any data, so that a file that
        // does not fit fails fast and nothing is allocated from sizes the file declares.
        var resolved = new IReadOnlyList<KerasH5Dataset>[layerCount];
        for (int k = 0; k < layerCount; k++)
        {
            resolved[k] = CheckLayer(file, k, expected, fileLayers[k]);
        }

        LoadTrace.Mark("read: file opened, layers checked");
        var data = new float[layerCount][][];
        for (int k = 0; k < layerCount; k++)
        {
            WeightLayer layer = expected.Layers[k];
            IReadOnlyList<KerasH5Dataset> datasets = resolved[k];
            data[k] = new float[datasets.Count][];
            for (int d = 0; d < datasets.Count; d++)
            {
                data[k][d] = ReadValues(path, LayerContext(k, expected, fileLayers[k].Name), fileLayers[k].Name, datasets[d], layer.Datasets[d].ElementCount);
            }
        }

        return new LoadedWeights(path, expected, fileLayers.Select(l => l.Name).ToArray(), data);
    }

    /// <summary>
    /// Reads the shape table of a Keras weight file: the layers with weights in file order, with their
    /// dataset paths, shapes and stored types. No dataset data is read. Same as <see cref="ShapeTable.Extract"/>.
    /// </summary>
    public static ShapeTable ReadShapeTable(string path) => ShapeTable.Extract(path);

    private static IReadOnlyList<KerasH5Dataset> CheckLayer(KerasH5Structure file, int k, WeightTable expected, KerasH5Layer fileLayer)
    {
        WeightLayer layer = expected.Layers[k];
        string context = LayerContext(k, expected, fileLayer.Name);
        if (fileLayer.WeightNames.Count != layer.Datasets.Count)
        {
            throw WeightFileException.Create(
                file.FilePath,
                context + ": expected " + Count(layer.Datasets.Count, "dataset") + " ("
                + string.Join(", ", layer.Datasets.Select(d => d.Variable + " " + d.ShapeText)) + "), 'weight_names' lists "
                + fileLayer.WeightNames.Count.ToString(CultureInfo.InvariantCulture) + " ("
                + string.Join(", ", fileLayer.WeightNames.Select(n => "'" + n + "'")) + ").",
                fileLayer.Name);
        }

        IReadOnlyList<KerasH5Dataset> datasets = file.ResolveDatasets(fileLayer);
        for (int d = 0; d < datasets.Count; d++)
        {
            KerasH5Dataset found = datasets[d];
            WeightDataset want = layer.Datasets[d];
            if (!found.Shape.AsSpan().SequenceEqual(want.Shape))
            {
                throw WeightFileException.Create(
                    file.FilePath,
                    context + ", dataset '" + found.FullPath + "': expected shape " + want.ShapeText + " (" + want.Variable
                    + "), found " + ShapeFormat.Tuple(found.Shape) + ".",
                    fileLayer.Name,
                    found.FullPath);
            }

            if (want.ElementCount > Array.MaxLength)
            {
                throw WeightFileException.Create(
                    file.FilePath,
                    context + ", dataset '" + found.FullPath + "': shape " + want.ShapeText + " has more elements than an array can hold.",
                    fileLayer.Name,
                    found.FullPath);
            }

            IH5DataType type = found.Type;
            // Integers only for a Normalization's sample count, which inference never uses but Keras stores with it.
            bool integer = want.Variable == "count" && type.Class == H5DataTypeClass.FixedPoint && type.Size is 4 or 8;
            if (!found.IsBFloat16 && !integer && (type.Class != H5DataTypeClass.FloatingPoint || (type.Size != 4 && type.Size != 8 && type.Size != 2)))
            {
                throw WeightFileException.Create(
                    file.FilePath,
                    context + ", dataset '" + found.FullPath + "': stored type " + found.DTypeName
                    + " is not supported; expected float32 (float64, float16 and bfloat16 are converted to float32).",
                    fileLayer.Name,
                    found.FullPath);
            }

            // A dataset stored contiguously (uncompressed) must lie inside the file: a dataspace that claims more
            // is rejected before any buffer of the claimed size is allocated.
            long fileBytes = file.Hdf5Bytes;
            H5DataLayoutClass layout = KerasH5Structure.Guard(
                file.FilePath, "the storage layout of dataset '" + found.FullPath + "' (" + context + ")", fileLayer.Name, found.FullPath, () => found.Handle.Layout.Class);
            if (layout is H5DataLayoutClass.Contiguous or H5DataLayoutClass.Compact
                && want.ElementCount * type.Size > fileBytes)
            {
                throw WeightFileException.Create(
                    file.FilePath,
                    context + ", dataset '" + found.FullPath + "': its shape " + want.ShapeText + " of " + found.DTypeName + " needs "
                    + (want.ElementCount * type.Size).ToString(CultureInfo.InvariantCulture) + " bytes, more than the file holds ("
                    + fileBytes.ToString(CultureInfo.InvariantCulture) + " bytes); the file is truncated or its header is corrupt.",
                    fileLayer.Name,
                    found.FullPath);
            }
        }

        return datasets;
    }

    private static float[] ReadValues(string path, string context, string fileLayerName, KerasH5Dataset dataset, long expectedCount)
    {
        float[] values = KerasH5Structure.Guard(path, "the data of dataset '" + dataset.FullPath + "' (" + context + ")", fileLayerName, dataset.FullPath, () =>
        {
            if (dataset.IsBFloat16)
            {
                return BFloat16.ToSingle(dataset.Handle.Read<byte[]>());
            }

            if (dataset.Type.Class == H5DataTypeClass.FixedPoint)
            {
                return dataset.Type.Size == 8
                    ? Array.ConvertAll(dataset.Handle.Read<long[]>(), v => (float)v)
                    : Array.ConvertAll(dataset.Handle.Read<int[]>(), v => (float)v);
            }

            switch (dataset.Type.Size)
            {
                case 4:
                    return dataset.Handle.Read<float[]>();
                case 8:
                {
                    double[] wide = dataset.Handle.Read<double[]>();
                    var narrow = new float[wide.Length];
                    for (int i = 0; i < wide.Length; i++)
                    {
                        narrow[i] = (float)wide[i];
                        if (float.IsInfinity(narrow[i]) && !double.IsInfinity(wide[i]))
                        {
                            // Rounding would turn a finite weight into infinity: reject it instead of computing garbage.
                            throw WeightFileException.Create(
                                path,
                                context + ", dataset '" + dataset.FullPath + "': float64 value " + wide[i].ToString("R", CultureInfo.InvariantCulture)
                                + " at index " + i.ToString(CultureInfo.InvariantCulture) + " is outside the float32 range.",
                                fileLayerName,
                                dataset.FullPath);
                        }
                    }

                    return narrow;
                }

                default:
                {
                    Half[] half = dataset.Handle.Read<Half[]>();
                    var wide = new float[half.Length];
                    for (int i = 0; i < half.Length; i++)
                    {
                        wide[i] = (float)half[i];
                    }

                    return wide;
                }
            }
        });

        if (values.LongLength != expectedCount)
        {
            throw WeightFileException.Create(
                path,
                context + ", dataset '" + dataset.FullPath + "': expected " + expectedCount.ToString(CultureInfo.InvariantCulture)
                + " values, read " + values.LongLength.ToString(CultureInfo.InvariantCulture) + ".",
                fileLayerName,
                dataset.FullPath);
        }

        return values;
    }

    private static string LayerContext(int k, WeightTable expected, string fileLayerName)
        => "layer " + (k + 1).ToString(CultureInfo.InvariantCulture) + " of " + expected.Layers.Count.ToString(CultureInfo.InvariantCulture)
           + " with weights ('" + expected.Layers[k].LayerName + "', file layer '" + fileLayerName + "')";

    private static string CountHint(WeightTable expected, int found)
    {
        int count = expected.Layers.Count;
        bool expectsTop = count > 0 && expected.Layers[count - 1].KerasClass == "Dense";
        if (expectsTop && found == count - 1)
        {
            return " — is this the notop file?";
        }

        if (!expectsTop && found == count + 1)
        {
            return " — is this the file with top (include_top=True)?";
        }

        return string.Empty;
    }

    private static string Count(int n, string noun)
        => n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? string.Empty : "s");
}
