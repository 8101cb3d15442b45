using System;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Xception.Compiler.Runtime.Weights;

/// <summary>The members of a <c>.keras</c> archive the weight readers use, read into memory.</summary>
/// <param name="Weights">The bytes of <c>model.weights.h5</c>.</param>
/// <param name="ConfigJson">The text of <c>config.json</c>.</param>
/// <param name="KerasVersion"><c>keras_version</c> from <c>metadata.json</c>, when present.</param>
internal sealed record KerasArchiveContents(byte[] Weights, string ConfigJson, string? KerasVersion);

/// <summary>
/// Reads a Keras 3 <c>.keras</c> archive (a zip written by keras/src/saving/saving_lib.py
/// <c>_save_model_to_fileobj</c>: <c>metadata.json</c>, <c>config.json</c>, <c>model.weights.h5</c>) without
/// extracting anything to disk: the weights member is read into a byte array that the HDF5 reader opens as a stream.
/// </summary>
internal static class KerasArchive
{
    public const string WeightsMember = "model.weights.h5";
    private const string ConfigMember = "config.json";
    private const string MetadataMember = "metadata.json";

    /// <summary>Whether the file starts as a zip does (a local file header, or the end record of an empty zip).</summary>
    public static bool HasZipSignature(ReadOnlySpan<byte> start)
        => start.Length >= 4 && start[0] == (byte)'P' && start[1] == (byte)'K'
           && ((start[2] == 3 && start[3] == 4) || (start[2] == 5 && start[3] == 6));

    /// <exception cref="WeightFileException">Not a readable zip, or a member the weights need is missing.</exception>
    public static KerasArchiveContents Read(string path)
    {
        try
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            ZipArchiveEntry? weights = zip.GetEntry(WeightsMember);
            if (weights is null)
            {
                string detail = zip.GetEntry("model.weights.npz") is not null
                    ? "its weights are in 'model.weights.npz' (weights_format=\"npz\"), which is not supported; save with the default h5 format."
                    : "the archive has no '" + WeightsMember + "' member; this is not a Keras 3 .keras archive.";
                throw WeightFileException.Create(path, detail);
            }

            ZipArchiveEntry config = zip.GetEntry(ConfigMember)
                ?? throw WeightFileException.Create(path, "the archive has no '" + ConfigMember + "' member, which gives the order of the layers.");
            if (weights.Length > Array.MaxLength)
            {
                throw WeightFileException.Create(path, "member '" + WeightsMember + "' declares " + weights.Length + " bytes, more than one array can hold.");
            }

            byte[] weightBytes = ReadAll(weights);
            string configJson = Encoding.UTF8.GetString(ReadAll(config));
            string? version = null;
            if (zip.GetEntry(MetadataMember) is ZipArchiveEntry metadata)
            {
                version = VersionOf(Encoding.UTF8.GetString(ReadAll(metadata)));
            }

            return new KerasArchiveContents(weightBytes, configJson, version);
        }
        catch (InvalidDataException ex)
        {
            throw WeightFileException.Create(path, "could not read the .keras archive (zip): " + ex.Message, innerException: ex);
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            throw WeightFileException.Create(path, "could not read the .keras archive (zip): " + ex.Message, innerException: ex);
        }
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using Stream stream = entry.Open();
        using var buffer = new MemoryStream(checked((int)entry.Length));
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string? VersionOf(string metadataJson)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(metadataJson);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("keras_version", out JsonElement v) && v.ValueKind == JsonValueKind.String
                ? v.GetString()
                : null;
        }
        catch (JsonException)
        {
            // metadata.json is informative only; a damaged one does not stop the weights from loading.
            return null;
        }
    }
}
