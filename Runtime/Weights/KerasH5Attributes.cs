using System;
using System.Collections.Generic;
using System.Globalization;
using PureHDF;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>
/// Reads the string attributes Keras writes (<c>layer_names</c>, <c>weight_names</c>, <c>keras_version</c>,
/// <c>model_config</c>), including the chunked form of a long list.
/// </summary>
internal static class KerasH5Attributes
{
    /// <summary>
    /// Whether <paramref name="name"/> exists plainly or in chunks (<c>name0</c>, <c>name1</c>, …): Keras 2.1.5+
    /// splits a list whose fixed-length array would pass the 64 KB object-header limit
    /// (<c>save_attributes_to_hdf5_group</c>, keras/engine/saving.py and tf_keras/saving/legacy/hdf5_format.py).
    /// </summary>
    public static bool Exists(string filePath, IH5Object owner, string ownerPath, string name, string? layerName)
        => Guard(filePath, ownerPath, layerName, () => owner.AttributeExists(name) || owner.AttributeExists(name + "0"));

    /// <summary>
    /// Reads a list attribute as Keras's <c>load_attributes_from_hdf5_group</c> does: the plain name if it
    /// exists, else <c>name0</c>, <c>name1</c>, … concatenated up to the first missing index.
    /// </summary>
    /// <exception cref="WeightFileException">Neither form exists, or a piece holds non-strings.</exception>
    public static string[] ReadList(string filePath, IH5Object owner, string ownerPath, string name, string? layerName)
    {
        string where = ownerPath.Length == 0 ? "at the root" : "of group '" + ownerPath + "'";
        if (Guard(filePath, ownerPath, layerName, () => owner.AttributeExists(name)))
        {
            return ReadPiece(filePath, owner, name, where, layerName);
        }

        var all = new List<string>();
        int chunk = 0;
        while (Guard(filePath, ownerPath, layerName, () => owner.AttributeExists(name + chunk.ToString(CultureInfo.InvariantCulture))))
        {
            all.AddRange(ReadPiece(filePath, owner, name + chunk.ToString(CultureInfo.InvariantCulture), where, layerName));
            chunk++;
        }

        if (chunk == 0)
        {
            throw WeightFileException.Create(filePath, "no '" + name + "' attribute (nor chunks '" + name + "0', '" + name + "1', …) " + where + ".", layerName);
        }

        return all.ToArray();
    }

    /// <summary>The first string of an optional attribute, or null when it is absent or empty.</summary>
    public static string? ReadOptionalScalar(string filePath, IH5Object owner, string ownerPath, string name)
    {
        if (!Guard(filePath, ownerPath, null, () => owner.AttributeExists(name)))
        {
            return null;
        }

        string where = ownerPath.Length == 0 ? "at the root" : "of group '" + ownerPath + "'";
        string[] values = ReadPiece(filePath, owner, name, where, null);
        return values.Length > 0 ? values[0] : null;
    }

    /// <summary>
    /// Reads one string attribute (fixed-length NUL-padded or variable-length; scalar or 1-D) with NULs trimmed.
    /// An attribute with no elements is an empty list whatever its type: Keras writes an empty
    /// <c>weight_names</c> as a float64 array of shape (0,).
    /// </summary>
    private static string[] ReadPiece(string filePath, IH5Object owner, string name, string where, string? layerName)
    {
        string what = "attribute '" + name + "' " + where;
        IH5Attribute attribute = KerasH5Structure.Guard(filePath, what, layerName, null, () => owner.Attribute(name));
        string[]? values = KerasH5Structure.Guard(filePath, what, layerName, null, () =>
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

            string[] read = attribute.Read<string[]>();
            for (int i = 0; i < read.Length; i++)
            {
                read[i] = (read[i] ?? string.Empty).TrimEnd('\0');
            }

            return read;
        });

        return values ?? throw WeightFileException.Create(
            filePath,
            what + " holds " + KerasH5Structure.DescribeType(attribute.Type) + " values; expected strings.",
            layerName);
    }

    private static bool Guard(string filePath, string ownerPath, string? layerName, Func<bool> read)
        => KerasH5Structure.Guard(filePath, ownerPath.Length == 0 ? "the root attributes" : "the attributes of group '" + ownerPath + "'", layerName, null, read);
}
