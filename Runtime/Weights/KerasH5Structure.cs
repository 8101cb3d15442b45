using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using PureHDF;
using PureHDF.VOL.Native;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// A layer of a Keras weight file that has weights: its name (for a layer flattened out of a nested model,
/// <c>outer/inner</c>), its index among the file's layers, the names of its variables as the file lists
/// them, and their dataset paths from the HDF5 root, in load order.
/// </summary>
internal sealed record KerasH5Layer(string Name, int LayerNamesIndex, IReadOnlyList<string> WeightNames, IReadOnlyList<string> DatasetPaths);

/// <summary>A weight dataset as found in the file (metadata only; nothing of its data is read).</summary>
internal sealed record KerasH5Dataset(string WeightName, string FullPath, int[] Shape, IH5DataType Type, IH5Dataset Handle, bool IsBFloat16)
{
    public string DTypeName => IsBFloat16 ? "bfloat16" : KerasH5Structure.DescribeType(Type);
}

/// <summary>
/// The one entry that opens any Keras weight file and lists its weighted layers in Keras's load order:
/// legacy <c>.h5</c> (weights only or full model, nested models flattened, chunked attributes; see
/// <see cref="KerasLegacyLayers"/>), Keras 3 <c>.weights.h5</c> and <c>.keras</c> archives (see
/// <see cref="Keras3Layers"/>). Shared by <see cref="KerasWeightFile"/> and <see cref="ShapeTable"/>; every
/// read is guarded so that an error of the HDF5 reader becomes a <see cref="WeightFileException"/> naming
/// what was being read.
/// </summary>
internal sealed class KerasH5Structure : IDisposable
{
    private static readonly byte[] Hdf5Signature = { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n' };

    private readonly NativeFile _file;
    private readonly IReadOnlyList<KerasH5Layer>? _weighted;

    private KerasH5Structure(string filePath, NativeFile file, KerasWeightFormat format, long hdf5Bytes, int layerCount, IReadOnlyList<KerasH5Layer>? weighted)
    {
        FilePath = filePath;
        _file = file;
        Format = format;
        Hdf5Bytes = hdf5Bytes;
        LayerCount = layerCount;
        _weighted = weighted;
    }

    public string FilePath { get; }

    public KerasWeightFormat Format { get; }

    /// <summary>The size of the HDF5 data (the file, or the archive's weights member): no dataset can be larger.</summary>
    public long Hdf5Bytes { get; }

    /// <summary>All layers, with or without weights (nested models counted by their inner layers in Keras 3 files).</summary>
    public int LayerCount { get; }

    /// <summary>The layers with weights in Keras's load order.</summary>
    /// <exception cref="WeightFileException">
    /// The file is a Keras 3 <c>.weights.h5</c> opened without its model's config: HDF5 keeps no order of the
    /// layer groups, so only a <see cref="WeightTable"/> can say which group is the k-th layer (<see cref="LayersFor"/>).
    /// </exception>
    public IReadOnlyList<KerasH5Layer> WeightedLayers => _weighted ?? throw WeightFileException.Create(
        FilePath,
        "a Keras 3 weights file does not record the order of its layers (HDF5 keeps groups sorted by name); "
        + "read it together with the model's config (model.to_json(), or the .keras archive, which holds both).");

    public string? KerasVersion { get; private set; }

    public string? Backend { get; private set; }

    /// <summary>The weighted layers matched to <paramref name="table"/>: <see cref="WeightedLayers"/>, or for a Keras 3 file without config, by the table (<see cref="Keras3Layers.FromTable"/>).</summary>
    public IReadOnlyList<KerasH5Layer> LayersFor(WeightTable table) => _weighted ?? Keras3Layers.FromTable(FilePath, _file, table);

    /// <summary>Opens the file, tells its format, and reads the layer and weight names (no dataset is touched).</summary>
    /// <param name="path">A legacy .h5, a Keras 3 .weights.h5, or a .keras archive.</param>
    /// <param name="modelConfigJson">The model's config (<c>model.to_json()</c>) for a weights file that lacks it; optional.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">Not HDF5 nor a .keras archive, or not a Keras weight file.</exception>
    public static KerasH5Structure Open(string path, string? modelConfigJson = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("Weight file '" + path + "' does not exist.", path);
        }

        if (StartsAsZip(path))
        {
            return OpenArchive(path);
        }

        CheckSignature(path);
        NativeFile file = Guard(path, "the HDF5 superblock and root group", null, null, () => H5File.OpenRead(path));
        try
        {
            return OpenHdf5(path, file, new FileInfo(path).Length, modelConfigJson);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static KerasH5Structure OpenArchive(string path)
    {
        KerasArchiveContents contents = KerasArchive.Read(path);
        if (contents.Weights.Length < 8 || !contents.Weights.AsSpan(0, 8).SequenceEqual(Hdf5Signature))
        {
            throw WeightFileException.Create(path, "member '" + KerasArchive.WeightsMember + "' of the .keras archive is not an HDF5 file.");
        }

        NativeFile file = Guard(path, "the HDF5 superblock of '" + KerasArchive.WeightsMember + "'", null, null,
            () => H5File.Open(new MemoryStream(contents.Weights, writable: false), leaveOpen: false));
        try
        {
            if (!Guard(path, "the root group of '" + KerasArchive.WeightsMember + "'", null, null, () => file.LinkExists("layers")))
            {
                bool tfKeras = Guard(path, "the root group of '" + KerasArchive.WeightsMember + "'", null, null, () => file.LinkExists("_layer_checkpoint_dependencies"));
                throw WeightFileException.Create(
                    path,
                    tfKeras
                        ? "'" + KerasArchive.WeightsMember + "' keeps its layers under '_layer_checkpoint_dependencies' (a tf.keras 2.12-2.14 .keras file, keras_version "
                          + (contents.KerasVersion ?? "unknown") + "), whose layout is not supported; save the model with Keras 3, or as .h5."
                        : "'" + KerasArchive.WeightsMember + "' has no 'layers' group; this is not a Keras 3 weights file.");
            }

            (int count, List<KerasH5Layer> weighted) = Keras3Layers.FromConfig(path, file, contents.ConfigJson, "config.json of the .keras archive");
            return new KerasH5Structure(path, file, KerasWeightFormat.KerasArchive, contents.Weights.Length, count, weighted) { KerasVersion = contents.KerasVersion };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static KerasH5Structure OpenHdf5(string path, NativeFile file, long bytes, string? modelConfigJson)
    {
        string? backend = KerasH5Attributes.ReadOptionalScalar(path, file, string.Empty, "backend");
        string? version = KerasH5Attributes.ReadOptionalScalar(path, file, string.Empty, "keras_version");
        if (KerasH5Attributes.Exists(path, file, string.Empty, "layer_names", null))
        {
            string? config = modelConfigJson ?? KerasH5Attributes.ReadOptionalScalar(path, file, string.Empty, "model_config");
            (string[] names, List<KerasH5Layer> weighted) = KerasLegacyLayers.Read(path, file, string.Empty, config);
            return new KerasH5Structure(path, file, KerasWeightFormat.LegacyWeights, bytes, names.Length, weighted) { KerasVersion = version, Backend = backend };
        }

        // As Keras's load_weights: a full-model file (model.save) keeps the weights under /model_weights.
        if (Guard(path, "the root group", null, null, () => file.LinkExists("model_weights")))
        {
            IH5Group group = Guard(path, "group 'model_weights'", null, null, () => file.Group("model_weights"));
            if (!KerasH5Attributes.Exists(path, group, "model_weights", "layer_names", null))
            {
                throw WeightFileException.Create(path, "group 'model_weights' has no 'layer_names' attribute; this is not a Keras weight file.");
            }

            string? config = modelConfigJson ?? KerasH5Attributes.ReadOptionalScalar(path, file, string.Empty, "model_config");
            (string[] names, List<KerasH5Layer> weighted) = KerasLegacyLayers.Read(path, group, "model_weights/", config);
            return new KerasH5Structure(path, file, KerasWeightFormat.LegacyFullModel, bytes, names.Length, weighted)
            {
                KerasVersion = KerasH5Attributes.ReadOptionalScalar(path, group, "model_weights", "keras_version") ?? version,
                Backend = KerasH5Attributes.ReadOptionalScalar(path, group, "model_weights", "backend") ?? backend,
            };
        }

        if (Keras3Layers.Matches(path, file))
        {
            if (modelConfigJson is null)
            {
                return new KerasH5Structure(path, file, KerasWeightFormat.Keras3Weights, bytes, 0, null);
            }

            (int count, List<KerasH5Layer> weighted) = Keras3Layers.FromConfig(path, file, modelConfigJson, "the model config");
            return new KerasH5Structure(path, file, KerasWeightFormat.Keras3Weights, bytes, count, weighted);
        }

        throw WeightFileException.Create(
            path,
            "no 'layer_names' attribute at the root, no 'model_weights' group, and no Keras 3 'layers' or 'vars' group; this is not a Keras weight file.");
    }

    /// <summary>Resolves the datasets of one weighted layer (shape and type; data is not read).</summary>
    public IReadOnlyList<KerasH5Dataset> ResolveDatasets(KerasH5Layer layer)
    {
        var result = new KerasH5Dataset[layer.DatasetPaths.Count];
        for (int i = 0; i < result.Length; i++)
        {
            string fullPath = layer.DatasetPaths[i];
            if (!Guard(FilePath, "the links leading to '" + fullPath + "'", layer.Name, null, () => _file.LinkExists(fullPath)))
            {
                throw WeightFileException.Create(
                    FilePath,
                    "dataset '" + fullPath + "', listed in the 'weight_names' of layer '" + layer.Name + "', does not exist.",
                    layer.Name,
                    fullPath);
            }

            IH5Dataset dataset = Guard(FilePath, "dataset '" + fullPath + "'", layer.Name, fullPath, () => _file.Dataset(fullPath));
            (int[] shape, IH5DataType type) = Guard(FilePath, "the shape and type of dataset '" + fullPath + "'", layer.Name, fullPath, () =>
            {
                IH5Dataspace space = dataset.Space;
                if (space.Type == H5DataspaceType.Null)
                {
                    throw WeightFileException.Create(FilePath, "dataset '" + fullPath + "' has a null dataspace (no elements).", layer.Name, fullPath);
                }

                ulong[] dims = space.Type == H5DataspaceType.Scalar ? Array.Empty<ulong>() : space.Dimensions;
                int[] s = new int[dims.Length];
                for (int d = 0; d < dims.Length; d++)
                {
                    if (dims[d] > int.MaxValue)
                    {
                        throw WeightFileException.Create(
                            FilePath,
                            "dataset '" + fullPath + "' declares dimension " + dims[d].ToString(CultureInfo.InvariantCulture) + ", which is not a plausible weight shape.",
                            layer.Name,
                            fullPath);
                    }

                    s[d] = (int)dims[d];
                }

                return (s, dataset.Type);
            });

            // Keras 3 writes a bfloat16 variable as a 2-byte opaque type with attribute dtype="bfloat16"
            // (saving_lib.py H5Entry.__setitem__); HDF5 has no bfloat16 of its own. A writer that leaves the
            // attribute out (the legacy .h5 writer) may still name the type in the opaque tag.
            bool bfloat16 = type.Class == H5DataTypeClass.Opaque && type.Size == 2
                && (KerasH5Attributes.ReadOptionalScalar(FilePath, dataset, fullPath, "dtype") == "bfloat16"
                    || Guard(FilePath, "the type of dataset '" + fullPath + "'", layer.Name, fullPath, () => type.Opaque.Tag)
                        .Contains("bfloat16", StringComparison.OrdinalIgnoreCase));
            result[i] = new KerasH5Dataset(layer.WeightNames[i], fullPath, shape, type, dataset, bfloat16);
        }

        return result;
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Runs one read, turning any error of the HDF5 reader into a <see cref="WeightFileException"/>.</summary>
    public static T Guard<T>(string filePath, string what, string? layerName, string? datasetPath, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (WeightFileException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw WeightFileException.Create(filePath, "could not read " + what + ": " + ex.Message, layerName, datasetPath, ex);
        }
    }

    /// <summary>The numpy-style name of a stored type: float32, float64, float16, int32, uint8, string, ...</summary>
    public static string DescribeType(IH5DataType type)
    {
        int bits = 8 * type.Size;
        return type.Class switch
        {
            H5DataTypeClass.FloatingPoint => "float" + bits.ToString(CultureInfo.InvariantCulture),
            H5DataTypeClass.FixedPoint => (type.FixedPoint.IsSigned ? "int" : "uint") + bits.ToString(CultureInfo.InvariantCulture),
            H5DataTypeClass.String => "string",
            H5DataTypeClass.VariableLength => "variable-length",
            _ => type.Class.ToString().ToLowerInvariant(),
        };
    }

    private static bool StartsAsZip(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            Span<byte> start = stackalloc byte[4];
            return stream.ReadAtLeast(start, 4, throwOnEndOfStream: false) == 4 && KerasArchive.HasZipSignature(start);
        }
        catch (IOException ex)
        {
            throw WeightFileException.Create(path, "could not read the file: " + ex.Message, innerException: ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw WeightFileException.Create(path, "could not open the file: " + ex.Message, innerException: ex);
        }
    }

    /// <summary>
    /// Checks the HDF5 signature where the format allows the superblock: offset 0, 512, 1024, 2048, ...
    /// so that a file of another kind gets a clear message instead of an error from deep inside the reader.
    /// </summary>
    private static void CheckSignature(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long length = stream.Length;
            Span<byte> buffer = stackalloc byte[8];
            for (long offset = 0; offset + 8 <= length; offset = offset == 0 ? 512 : offset * 2)
            {
                stream.Position = offset;
                stream.ReadExactly(buffer);
                if (buffer.SequenceEqual(Hdf5Signature))
                {
                    return;
                }
            }
        }
        catch (IOException ex)
        {
            throw WeightFileException.Create(path, "could not read the file: " + ex.Message, innerException: ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw WeightFileException.Create(path, "could not open the file: " + ex.Message, innerException: ex);
        }

        throw new WeightFileException(path, "Weight file '" + path + "' is not an HDF5 file (no HDF5 signature at offset 0, 512, 1024, ...).");
    }
}
