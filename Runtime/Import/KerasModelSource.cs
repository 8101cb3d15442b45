using System;
using System.IO;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using PureHDF;
using Xception.Compiler.Runtime.Weights;

namespace Xception.Compiler.Runtime.Import;

/// <summary>
/// The architecture a Keras file holds: its model config (the <c>{"class_name", "config"}</c> object), the
/// format it came in, the Keras version that wrote it and the file that holds its weights, if it holds any.
/// </summary>
/// <param name="Format">"h5" (legacy full model), "keras" (Keras 3 archive) or "json" (<c>model.to_json()</c>).</param>
/// <param name="WeightsPath">The model file itself when it carries its weights; null for a <c>to_json</c> file.</param>
internal sealed record KerasModelSource(string Path, string Format, JsonObject ModelConfig, string? KerasVersion, string? WeightsPath)
{
    private static readonly byte[] ZipSignature = { (byte)'P', (byte)'K', 3, 4 };

    /// <summary>
    /// Whether Keras 3 wrote the model: a .keras archive, or a keras_version of 3 or more. A file with no version
    /// (older to_json output) counts as Keras 2, the writer of every legacy layout.
    /// </summary>
    public bool IsKeras3 => Format == "keras"
        || (KerasVersion is { Length: > 0 } v && int.TryParse(v.Split('.')[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int major) && major >= 3);
    private static readonly byte[] Hdf5Signature = { 0x89, (byte)'H', (byte)'D', (byte)'F' };

    /// <summary>Reads the model config of a legacy <c>.h5</c>, a <c>.keras</c> archive or a <c>to_json</c> file, told apart by content.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelImportException">The file holds no Keras model config.</exception>
    public static KerasModelSource Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("Model file '" + path + "' does not exist.", path);
        }

        byte[] head = new byte[4];
        using (FileStream stream = File.OpenRead(path))
        {
            _ = stream.Read(head, 0, head.Length);
        }

        if (head.AsSpan().SequenceEqual(ZipSignature))
        {
            return ReadKerasArchive(path);
        }

        if (head.AsSpan().SequenceEqual(Hdf5Signature))
        {
            return ReadLegacyH5(path);
        }

        JsonObject root = ParseObject(path, "the file", File.ReadAllText(path));
        return new KerasModelSource(path, "json", root, StringMember(root, "keras_version"), WeightsPath: null);
    }

    // tf.keras / Keras 2 model.save("x.h5"): the root attribute model_config (KERAS_FORMATS.md section 1.1).
    private static KerasModelSource ReadLegacyH5(string path)
    {
        try
        {
            using PureHDF.VOL.Native.NativeFile file = H5File.OpenRead(path);
            if (!file.AttributeExists("model_config"))
            {
                throw new ModelImportException("Model file '" + path + "': an HDF5 file without the 'model_config' attribute, so a weights-only file (save_weights); import the model_config file (model.save) or a to_json file with --weights.");
            }

            // The weight loader's reader of Keras's string attributes: fixed or variable length, scalar or list.
            string config = KerasH5Attributes.ReadOptionalScalar(path, file, string.Empty, "model_config") ?? string.Empty;
            string? version = KerasH5Attributes.ReadOptionalScalar(path, file, string.Empty, "keras_version");
            return new KerasModelSource(path, "h5", ParseObject(path, "attribute 'model_config'", config), version, path);
        }
        catch (Exception e) when (e is not ModelImportException)
        {
            throw new ModelImportException("Model file '" + path + "': the HDF5 file cannot be read (" + e.Message + ").", e);
        }
    }

    // Keras 3 model.save("x.keras"): a zip of metadata.json, config.json and model.weights.h5
    // (keras/src/saving/saving_lib.py _save_model_to_fileobj).
    private static KerasModelSource ReadKerasArchive(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(path);
        ZipArchiveEntry config = zip.GetEntry("config.json")
            ?? throw new ModelImportException("Model file '" + path + "': a zip archive without 'config.json', so not a Keras .keras file.");
        JsonObject root = ParseObject(path, "config.json", ReadEntry(config));
        string? version = null;
        if (zip.GetEntry("metadata.json") is { } metadata)
        {
            version = StringMember(ParseObject(path, "metadata.json", ReadEntry(metadata)), "keras_version");
        }

        return new KerasModelSource(path, "keras", root, version, path);
    }

    private static string ReadEntry(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private static JsonObject ParseObject(string path, string what, string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject
                ?? throw new ModelImportException("Model file '" + path + "': " + what + " is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ModelImportException("Model file '" + path + "': " + what + " is not JSON (" + e.Message + ").", e);
        }
    }

    private static string? StringMember(JsonObject o, string name)
        => o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
