using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using PureHDF;
using PureHDF.VOL.Native;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>A layer of a Keras weight file that has weights: its group name, its index in <c>layer_names</c>, its <c>weight_names</c>.</summary>
internal sealed record KerasH5Layer(string Name, int LayerNamesIndex, IReadOnlyList<string> WeightNames);

/// <summary>A weight dataset as found in the file (metadata only; nothing of its data is read).</summary>
internal sealed record KerasH5Dataset(string WeightName, string FullPath, int[] Shape, IH5DataType Type, IH5Dataset Handle)
{
    public string DTypeName => KerasH5Structure.DescribeType(Type);
}

/// <summary>
/// The structure Keras's <c>load_weights</c> walks: the root (or <c>/model_weights</c>) attribute
/// <c>layer_names</c>, and for each layer its group and <c>weight_names</c>. Shared by
/// <see cref="KerasWeightFile"/> and <see cref="ShapeTable"/>; every read is guarded so that an
/// error of the HDF5 reader becomes a <see cref="WeightFileException"/> naming what was being read.
/// </summary>
internal sealed class KerasH5Structure : IDisposable
{
    private static readonly byte[] Hdf5Signature = { 0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n' };

    private readonly NativeFile _file;
    private readonly IH5Group _root;

    private KerasH5Structure(string filePath, NativeFile file, IH5Group root, string rootPrefix)
    {
        FilePath = filePath;
        _file = file;
        _root = root;
        RootPrefix = rootPrefix;
    }

    public string FilePath { get; }

    /// <summary>"" for a weights-only file, "model_weights/" for a full-model file.</summary>
    public string RootPrefix { get; }

    public IReadOnlyList<string> LayerNames { get; private set; } = Array.Empty<string>();

    /// <summary>The layers whose <c>weight_names</c> is not empty, in <c>layer_names</c> order.</summary>
    public IReadOnlyList<KerasH5Layer> WeightedLayers { get; private set; } = Array.Empty<KerasH5Layer>();

    public string? KerasVersion { get; private set; }

    public string? Backend { get; private set; }

    /// <summary>Opens the file and reads the layer names and weight names (no dataset is touched).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="WeightFileException">Not an HDF5 file, or not a Keras weight file.</exception>
    public static KerasH5Structure Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("Weight file '" + path + "' does not exist.", path);
        }

        CheckSignature(path);
        NativeFile file = Guard(path, "the HDF5 superblock and root group", null, null, () => H5File.OpenRead(path));
        try
        {
            IH5Group root = file;
            string prefix = string.Empty;
            bool hasLayerNames = Guard(path, "the root attributes", null, null, () => file.AttributeExists("layer_names"));
            if (!hasLayerNames)
            {
                // As Keras's load_weights: a full-model file (model.save) keeps the weights under /model_weights.
                bool hasModelWeights = Guard(path, "the root group", null, null, () => file.LinkExists("model_weights"));
                if (!hasModelWeights)
                {
                    throw WeightFileException.Create(path, "no 'layer_names' attribute at the root and no 'model_weights' group; this is not a Keras weight file.");
                }

                root = Guard(path, "group 'model_weights'", null, null, () => file.Group("model_weights"));
                prefix = "model_weights/";
                if (!Guard(path, "the attributes of 'model_weights'", null, null, () => root.AttributeExists("layer_names")))
                {
                    throw WeightFileException.Create(path, "group 'model_weights' has no 'layer_names' attribute; this is not a Keras weight file.");
                }
            }

            var structure = new KerasH5Structure(path, file, root, prefix);
            structure.ReadLayers();
            return structure;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Resolves the datasets of one weighted layer (shape and type; data is not read).</summary>
    public IReadOnlyList<KerasH5Dataset> ResolveDatasets(KerasH5Layer layer)
    {
        IH5Group group = Guard(FilePath, "group '" + RootPrefix + layer.Name + "'", layer.Name, null, () => _root.Group(layer.Name));
        var result = new KerasH5Dataset[layer.WeightNames.Count];
        for (int i = 0; i < result.Length; i++)
        {
            string weightName = layer.WeightNames[i];
            string fullPath = RootPrefix + layer.Name + "/" + weightName;
            if (!LinkExists(group, RootPrefix + layer.Name, weightName, layer.Name))
            {
                throw WeightFileException.Create(
                    FilePath,
                    "dataset '" + fullPath + "', listed in the 'weight_names' of layer '" + layer.Name + "', does not exist.",
                    layer.Name,
                    fullPath);
            }

            IH5Dataset dataset = Guard(FilePath, "dataset '" + fullPath + "'", layer.Name, fullPath, () => group.Dataset(weightName));
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
            result[i] = new KerasH5Dataset(weightName, fullPath, shape, type, dataset);
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

    private void ReadLayers()
    {
        IH5Attribute layerNamesAttribute = Guard(FilePath, "attribute 'layer_names'", null, null, () => _root.Attribute("layer_names"));
        string[] layerNames = ReadStrings(layerNamesAttribute, "attribute 'layer_names'", null)
            ?? throw WeightFileException.Create(
                FilePath,
                "attribute 'layer_names' holds " + DescribeType(layerNamesAttribute.Type) + " values; expected strings.");

        KerasVersion = ReadOptionalScalarString("keras_version");
        Backend = ReadOptionalScalarString("backend");

        var weighted = new List<KerasH5Layer>();
        for (int i = 0; i < layerNames.Length; i++)
        {
            string name = layerNames[i];
            string groupPath = RootPrefix + name;
            if (name.Length == 0 || !LinkExists(_root, RootPrefix.TrimEnd('/'), name, name))
            {
                throw WeightFileException.Create(
                    FilePath,
                    "layer '" + name + "' (entry " + i.ToString(CultureInfo.InvariantCulture) + " of " + layerNames.Length.ToString(CultureInfo.InvariantCulture)
                    + " in 'layer_names') has no group '" + groupPath + "'.",
                    name);
            }

            IH5Group group = Guard(FilePath, "group '" + groupPath + "'", name, null, () => _root.Group(name));
            if (!Guard(FilePath, "the attributes of group '" + groupPath + "'", name, null, () => group.AttributeExists("weight_names")))
            {
                throw WeightFileException.Create(FilePath, "group '" + groupPath + "' has no 'weight_names' attribute.", name);
            }

            IH5Attribute weightNamesAttribute = Guard(FilePath, "attribute 'weight_names' of group '" + groupPath + "'", name, null, () => group.Attribute("weight_names"));
            string[] weightNames = ReadStrings(weightNamesAttribute, "attribute 'weight_names' of group '" + groupPath + "'", name)
                ?? throw WeightFileException.Create(
                    FilePath,
                    "attribute 'weight_names' of group '" + groupPath + "' holds " + DescribeType(weightNamesAttribute.Type) + " values; expected strings.",
                    name);
            if (weightNames.Length > 0)
            {
                weighted.Add(new KerasH5Layer(name, i, weightNames));
            }
        }

        LayerNames = layerNames;
        WeightedLayers = weighted;
    }

    /// <summary>
    /// Reads a string attribute (fixed-length NUL-padded or variable-length; scalar or 1-D) with NULs trimmed.
    /// An attribute with no elements is an empty list whatever its type: Keras writes an empty
    /// <c>weight_names</c> as a float64 array of shape (0,). Null when the attribute holds non-empty non-strings.
    /// </summary>
    private string[]? ReadStrings(IH5Attribute attribute, string what, string? layerName)
    {
        return Guard(FilePath, what, layerName, null, () =>
        {
            IH5Dataspace space = attribute.Space;
            if (space.Type == H5DataspaceType.Null)
            {
                return Array.Empty<string>();
            }

            if (space.Type == H5DataspaceType.Simple)
            {
                ulong count = 1;
                foreach (ulong d in space.Dimensions)
                {
                    count *= d;
                }

                if (count == 0)
                {
                    return Array.Empty<string>();
                }
            }

            H5DataTypeClass typeClass = attribute.Type.Class;
            if (typeClass != H5DataTypeClass.String && typeClass != H5DataTypeClass.VariableLength)
            {
                return null;
            }

            string[] values = attribute.Read<string[]>();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (values[i] ?? string.Empty).TrimEnd('\0');
            }

            return values;
        });
    }

    private string? ReadOptionalScalarString(string name)
    {
        bool exists = Guard(FilePath, "the root attributes", null, null, () => _root.AttributeExists(name));
        if (!exists)
        {
            return null;
        }

        IH5Attribute attribute = Guard(FilePath, "attribute '" + name + "'", null, null, () => _root.Attribute(name));
        string[]? values = ReadStrings(attribute, "attribute '" + name + "'", null);
        return values is { Length: > 0 } ? values[0] : null;
    }

    /// <summary>PureHDF answers false for a missing intermediate group too; an error here means a damaged file.</summary>
    private bool LinkExists(IH5Group group, string groupPath, string relativePath, string? layerName)
        => Guard(FilePath, "the links of group '" + (groupPath.Length == 0 ? "/" : groupPath) + "'", layerName, null, () => group.LinkExists(relativePath));

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
